#!/usr/bin/env bash
# liftform's end-to-end speed against MediaPipe's own pose pipeline on the same clip, in the same
# run, on this machine (full and heavy models), plus decode-only speed as the bound.
#
#   tools/bench_vs_mediapipe.sh [CLIP] [RUNS]
#
# CLIP defaults to the 1080p30 H.264 clip ../shared/data/videos/mattiolato_Bad_000002.mp4.
# MediaPipe 0.10.14 is installed in a throwaway Python environment (removed afterwards; set
# LIFTFORM_MP_VENV=DIR to keep and reuse one). Its wheel lacks the heavy landmark model, which
# MediaPipe would download at first use; the same file is taken from the npm package
# @mediapipe/pose instead (registries only, no other network).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIP=${1:-../shared/data/videos/mattiolato_Bad_000002.mp4}
RUNS=${2:-3}
[ -f "$CLIP" ] || { echo "bench: no clip at $CLIP" >&2; exit 2; }

if [ -n "${LIFTFORM_MP_VENV:-}" ]; then
  VENV=$LIFTFORM_MP_VENV
else
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  VENV=$tmp/venv
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q mediapipe==0.10.14 opencv-python-headless
fi
HEAVY=$("$VENV/bin/python" -c 'import mediapipe, os; print(os.path.join(os.path.dirname(mediapipe.__file__), "modules/pose_landmark/pose_landmark_heavy.tflite"))')
if [ ! -f "$HEAVY" ]; then
  pack=$(mktemp -d)
  (cd "$pack" && npm pack -q @mediapipe/pose@0.5.1675469404 >/dev/null && tar -xzf mediapipe-pose-*.tgz)
  cp "$pack/package/pose_landmark_heavy.tflite" "$HEAVY"
  rm -rf "$pack"
fi

cargo build --release -q
export LD_LIBRARY_PATH="$PWD/.ort/lib:${LD_LIBRARY_PATH:-}"
"$VENV/bin/python" tools/bench_vs_mediapipe.py --clip "$CLIP" --liftform target/release/liftform --runs "$RUNS"
