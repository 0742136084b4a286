"""liftform against MediaPipe's own pose pipeline: same clip, same machine, same run.

Run through tools/bench_vs_mediapipe.sh, which makes the throwaway Python environment. For each
landmark model (full, heavy) it alternates runs of
  - liftform: `liftform analyze CLIP` with default settings (decode, pose, bar tracking, rules,
    report), timed from outside, CPU time from the child's rusage;
  - MediaPipe: `mediapipe.solutions.pose.Pose` (its own detector + landmark + tracking graph,
    default settings) on every frame decoded by OpenCV, CPU time from this process's rusage;
and prints the best of N runs of each: frames/s, CPU ms per frame, and liftform / MediaPipe.
Decode-only frames/s (OpenCV, no model) is printed as the bound.
"""

import argparse
import os
import resource
import subprocess
import tempfile
import time

import cv2


def cpu_s(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def decode_only(clip):
    cap = cv2.VideoCapture(clip)
    n, t0 = 0, time.perf_counter()
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    return n, n / (time.perf_counter() - t0)


def mediapipe_run(clip, complexity):
    import mediapipe as mp

    cap = cv2.VideoCapture(clip)
    c0, t0, n = cpu_s(resource.RUSAGE_SELF), time.perf_counter(), 0
    with mp.solutions.pose.Pose(model_complexity=complexity) as pose:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            n += 1
    wall = time.perf_counter() - t0
    return n / wall, 1000 * (cpu_s(resource.RUSAGE_SELF) - c0) / n


def liftform_run(binary, clip, model, frames):
    with tempfile.TemporaryDirectory() as out:
        c0, t0 = cpu_s(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run([binary, "analyze", clip, "-o", out, "-q", "--model", model], check=True)
        wall = time.perf_counter() - t0
        return frames / wall, 1000 * (cpu_s(resource.RUSAGE_CHILDREN) - c0) / frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", required=True)
    ap.add_argument("--liftform", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--models", default="full,heavy")
    a = ap.parse_args()
    frames, decode_fps = decode_only(a.clip)
    print(f"clip: {a.clip} ({frames} frames); {os.cpu_count()} CPUs")
    print(f"decode only (OpenCV): {decode_fps:.1f} frames/s")
    print("model  liftform fps  MediaPipe fps  ratio  liftform CPU ms/frame  MediaPipe CPU ms/frame  CPU ratio")
    for model in a.models.split(","):
        complexity = {"full": 1, "heavy": 2}[model]
        lf, mp_ = [], []
        for _ in range(a.runs):
            lf.append(liftform_run(a.liftform, a.clip, model, frames))
            mp_.append(mediapipe_run(a.clip, complexity))
        lf_fps, lf_cpu = max(lf)
        mp_fps, mp_cpu = max(mp_)
        print(
            f"{model:6} {lf_fps:12.1f} {mp_fps:14.1f} {lf_fps / mp_fps:6.2f} "
            f"{lf_cpu:21.1f} {mp_cpu:23.1f} {lf_cpu / mp_cpu:10.2f}"
        )


if __name__ == "__main__":
    main()
