#!/usr/bin/env bash
# Quick end-to-end check of the renderer: motion unit checks, a few rendered frames, the mp4 and
# the ground truth, then (when a liftform binary is given or built) the pose pass and the evaluation.
#   tools/render/smoke.sh [OUT_DIR] [LIFTFORM_BIN]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-/tmp/liftform-render-smoke}"
bin="${2:-$here/../../target/release/liftform}"
rm -rf "$out" && mkdir -p "$out"
python3 "$here/test_motion.py" -q
command -v blender >/dev/null || { echo "smoke: blender not installed (see tools/render/README.md)"; exit 2; }
run=(blender -b --factory-startup --python "$here/render_deadlift.py" -- --config "$here/configs/test_cam15.json" --out "$out" --max-frames 12)
if command -v xvfb-run >/dev/null; then xvfb-run -a "${run[@]}" >"$out/blender.log" 2>&1; else "${run[@]}" >"$out/blender.log" 2>&1; fi
test -s "$out/test_clean_cam15.mp4" && test -s "$out/test_clean_cam15_gt.json"
python3 - "$out/test_clean_cam15_gt.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
assert g["n_frames"] == 12 and len(g["frames"]) == 12, g["n_frames"]
f = g["frames"][0]
for k in ("R_hip", "L_knee", "R_ankle", "bar", "plate_center"):
    x, y = f["px"][k]
    assert 0 <= x < g["width"] and 0 <= y < g["height"], (k, x, y)
assert 0.3 < g["cm_per_px"] < 1.5 and f["plate_radius_px"] > 10
print(f"smoke: gt ok ({g['render_seconds_per_frame']} s/frame, {g['cm_per_px']} cm/px)")
PY
if [ -x "$bin" ]; then
  "$bin" analyze "$out/test_clean_cam15.mp4" -o "$out/analysis" -q
  python3 "$here/evaluate.py" "$out/test_clean_cam15_gt.json" "$out/analysis/test_clean_cam15/poses.jsonl"
else
  echo "smoke: no liftform binary at $bin: pose pass skipped"
fi
echo "smoke: ok"
