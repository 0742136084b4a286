#!/usr/bin/env python3
"""Keypoint error of a liftform recording (poses.jsonl) against a rendered clip's ground truth.

    python3 tools/render/evaluate.py OUT/clip_gt.json liftform-out/clip/poses.jsonl [--json] [--visible-only]

Same-side matching (GT R_x against BlazePose's right x). Errors in px and in % of the lifter's
body height in px at the body plane (body_height_m * 100 / cm_per_px). Frames with no pose count
as missed, not as errors. --visible-only leaves out joint samples that the GT marks as hidden by the
barbell (frames[i].hidden_by_barbell); they are summarised separately either way.
Exit code 1 when a file is unreadable.
"""

import json
import math
import statistics
import sys

# BlazePose landmark indices (odd = the subject's left).
BLAZEPOSE = {
    "nose": 0, "L_eye": 2, "R_eye": 5, "L_ear": 7, "R_ear": 8,
    "L_shoulder": 11, "R_shoulder": 12, "L_elbow": 13, "R_elbow": 14, "L_wrist": 15, "R_wrist": 16,
    "L_hip": 23, "R_hip": 24, "L_knee": 25, "R_knee": 26, "L_ankle": 27, "R_ankle": 28,
    "L_heel": 29, "R_heel": 30, "L_foot_index": 31, "R_foot_index": 32,
}
MAIN = ["shoulder", "hip", "knee", "ankle"]
EXTRA = ["elbow", "wrist", "heel", "foot_index", "ear"]


def load(gt_path, rec_path):
    with open(gt_path) as fh:
        gt = json.load(fh)
    poses = {}
    with open(rec_path) as fh:
        header = json.loads(fh.readline())
        for line in fh:
            if line.strip():
                r = json.loads(line)
                poses[r["i"]] = r["pose"]
    return gt, header, poses


def evaluate(gt, poses, visible_only=False):
    body_px = gt["body_height_m"] * 100.0 / gt["cm_per_px"]
    errs = {}
    by_phase = {}
    hid = {}
    missed = 0
    for f in gt["frames"]:
        p = poses.get(f["frame"])
        if p is None:
            missed += 1
            continue
        lms = p["landmarks"]
        hidden = set(f.get("hidden_by_barbell", []))
        for name, idx in BLAZEPOSE.items():
            if name not in f["px"]:
                continue
            if name in hidden:
                gx, gy = f["px"][name]
                hid.setdefault(name[2:], []).append(math.hypot(lms[idx][0] - gx, lms[idx][1] - gy))
                if visible_only:
                    continue
            gx, gy = f["px"][name]
            d = math.hypot(lms[idx][0] - gx, lms[idx][1] - gy)
            errs.setdefault(name, []).append(d)
            if name[2:] in MAIN:
                phase = f.get("metrics", {}).get("phase", "?")
                by_phase.setdefault(phase, {}).setdefault(name[2:], []).append(d)
    rows = {}
    for name, v in errs.items():
        med = statistics.median(v)
        rows[name] = {"median_px": round(med, 2), "median_pct": round(100 * med / body_px, 2),
                      "mean_px": round(statistics.fmean(v), 2), "p90_px": round(sorted(v)[int(0.9 * (len(v) - 1))], 2),
                      "n": len(v)}
    main_all = [d for n in MAIN for s in "RL" for d in errs.get(f"{s}_{n}", [])]
    summary = {
        "frames": len(gt["frames"]), "frames_with_pose": len(gt["frames"]) - missed,
        "body_height_px": round(body_px, 1),
        "main_median_px": round(statistics.median(main_all), 2) if main_all else None,
        "main_median_pct": round(100 * statistics.median(main_all) / body_px, 2) if main_all else None,
        "main_worst_joint_pct": max((rows[f"{s}_{n}"]["median_pct"] for n in MAIN for s in "RL"
                                     if f"{s}_{n}" in rows), default=None),
    }
    summary["by_phase_median_pct"] = {
        ph: {j: round(100 * statistics.median(v) / body_px, 2) for j, v in sorted(js.items())}
        for ph, js in by_phase.items()}
    summary["hidden_by_barbell"] = {j: {"n": len(v), "median_pct": round(100 * statistics.median(v) / body_px, 2)}
                                    for j, v in sorted(hid.items())}
    summary["visible_only"] = visible_only
    return summary, rows


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        gt, _, poses = load(argv[1], argv[2])
    except (OSError, ValueError) as e:
        print(f"evaluate.py: error: {e}", file=sys.stderr)
        return 1
    summary, rows = evaluate(gt, poses, visible_only="--visible-only" in argv)
    if "--json" in argv:
        print(json.dumps({"summary": summary, "joints": rows}, indent=1))
        return 0
    print(f"{gt.get('clip')}: {summary['frames_with_pose']}/{summary['frames']} frames with a pose, "
          f"body height {summary['body_height_px']} px")
    print(f"{'joint':12s} {'R med px':>8s} {'R %H':>6s} {'L med px':>8s} {'L %H':>6s}   (mean R / L px)")
    for n in MAIN + EXTRA:
        r, l = rows.get("R_" + n), rows.get("L_" + n)
        if r and l:
            print(f"{n:12s} {r['median_px']:8.1f} {r['median_pct']:6.2f} {l['median_px']:8.1f} {l['median_pct']:6.2f}"
                  f"   ({r['mean_px']:.1f} / {l['mean_px']:.1f})")
    print(f"shoulders+hips+knees+ankles, both sides: median {summary['main_median_px']} px = "
          f"{summary['main_median_pct']} % of body height; worst joint median {summary['main_worst_joint_pct']} %")
    if summary["hidden_by_barbell"]:
        print(("excluded" if summary["visible_only"] else "included") + " joint samples hidden by the barbell: "
              + ", ".join(f"{j} n={v['n']} med {v['median_pct']:.1f} %" for j, v in summary["hidden_by_barbell"].items()))
    for ph, js in summary["by_phase_median_pct"].items():
        print(f"  {ph:9s} median % of body height (both sides): "
              + ", ".join(f"{j} {v:.1f}" for j, v in js.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
