#!/usr/bin/env python3
"""Frames of a rendered clip with its ground-truth joints and liftform's detected ones drawn on,
for looking at where the pose model goes wrong.

    python3 tools/render/overlay.py CLIP.mp4 CLIP_gt.json poses.jsonl OUT_DIR FRAME [FRAME...]

Ground truth: filled green squares (near side R) and filled cyan (far side L). Detected: hollow
red squares (R) and hollow magenta (L), with a thin line of boxes from each detected joint to
its true place. Needs only ffmpeg (the drawing is ffmpeg's drawbox filter), no Python imaging
libraries. Writes OUT_DIR/<clip>_fNNNN.png and, with more than one frame, OUT_DIR/<clip>_sheet.png.
"""

import json
import os
import subprocess
import sys

from evaluate import BLAZEPOSE, load

JOINTS = ["shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index"]


def boxes_for(frame_gt, pose):
    """ffmpeg drawbox terms: truth filled, detected hollow, and dots along the error."""
    terms = []
    lms = pose["landmarks"] if pose else None
    for side, truth_colour, det_colour in (("L", "cyan", "magenta"), ("R", "lime", "red")):
        for joint in JOINTS:
            name = f"{side}_{joint}"
            if name not in frame_gt["px"]:
                continue
            gx, gy = frame_gt["px"][name]
            terms.append(f"drawbox=x={gx - 3:.0f}:y={gy - 3:.0f}:w=7:h=7:color={truth_colour}:t=fill")
            if lms is None:
                continue
            dx, dy = lms[BLAZEPOSE[name]][0], lms[BLAZEPOSE[name]][1]
            for k in range(1, 6):
                x = dx + (gx - dx) * k / 6
                y = dy + (gy - dy) * k / 6
                terms.append(f"drawbox=x={x:.0f}:y={y:.0f}:w=2:h=2:color={det_colour}:t=fill")
            terms.append(f"drawbox=x={dx - 5:.0f}:y={dy - 5:.0f}:w=11:h=11:color={det_colour}:t=2")
    return terms


def main(argv):
    if len(argv) < 6:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    clip, gt_path, rec_path, out_dir = argv[1:5]
    frames = [int(a) for a in argv[5:]]
    gt, _header, poses = load(gt_path, rec_path)
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(clip))[0]
    written = []
    for n in frames:
        frame_gt = gt["frames"][n]
        chain = [f"select=eq(n\\,{n})"] + boxes_for(frame_gt, poses.get(n))
        label = f"frame {n}  t={frame_gt['t']:.2f}s  {frame_gt.get('metrics', {}).get('phase', '')}"
        chain.append(f"drawtext=text='{label}':x=8:y=8:fontcolor=white:box=1:boxcolor=black@0.6:fontsize=16")
        out = os.path.join(out_dir, f"{stem}_f{n:04d}.png")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", clip, "-vf", ",".join(chain), "-frames:v", "1", out],
                       check=True)
        written.append(out)
    if len(written) > 1:
        cols = 2
        inputs = sum((["-i", p] for p in written), [])
        # xstack wants explicit offsets: columns of one width, rows of one height.
        layout = "|".join(
            ("+".join(["w0"] * (i % cols)) or "0") + "_" + ("+".join(["h0"] * (i // cols)) or "0")
            for i in range(len(written)))
        sheet = os.path.join(out_dir, f"{stem}_sheet.png")
        subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex",
                        f"xstack=inputs={len(written)}:layout={layout}:fill=black", sheet], check=True)
        written.append(sheet)
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
