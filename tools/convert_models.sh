#!/usr/bin/env bash
# Reproduce models/*.onnx from the original MediaPipe BlazePose TFLite files.
#
#   tools/convert_models.sh [options] [OUTDIR]
#
# Steps: create a Python venv with pinned tools; download the mediapipe==0.10.14 wheel (PyPI) and
# the @mediapipe/pose@0.5.1675469404 tarball (npm); extract the three .tflite files and check their
# sha256; make the detector's sparse (DENSIFY) weights dense; convert with tf2onnx (opset 13);
# store fp16-exact weights as fp16 + Cast and rename the graph I/O; run onnx.checker; print the
# sha256 of each result against the shipped values; compare numerically (onnxruntime) with the
# shipped models/ files and with the source TFLite files.
#
# OUTDIR defaults to a fresh temporary folder. models/ is only written with --install.
# Scratch files (venv, downloads, intermediates) live in tools/.model-work/ (git-ignored) or in
# the folder given by --work; they are reused, so a second run skips the downloads.
#
# Options:
#   --install      after a successful run, copy the three .onnx files into models/
#                  (refused when their sha256 differ from the shipped values, unless --force)
#   --force        allow --install of files whose sha256 differ from the shipped values
#   --work DIR     scratch folder (default: tools/.model-work)
#   --image FILE   real photo for the numeric comparison (repeatable)
#   --images DIR   use every *.jpg / *.jpeg / *.png in DIR for the numeric comparison
#   --no-compare   skip the numeric comparison
#   -h, --help     show this help
# Environment: PYTHON (interpreter for the venv, default python3.11).
set -euo pipefail

# ------------------------------------------------------------------------------ pinned inputs
MEDIAPIPE_WHEEL_SPEC="mediapipe==0.10.14"
NPM_POSE_SPEC="@mediapipe/pose@0.5.1675469404"
PIP_PINS=(tensorflow-cpu==2.21.0 tf2onnx==1.17.0 onnx==1.23.2 numpy==2.4.6 onnxruntime==1.31.1)
OPSET=13

# model key | source path inside the build folder | result file
MODELS=(
  "detector|mp/mediapipe/modules/pose_detection/pose_detection.tflite|blazepose_detector.onnx"
  "landmark_full|mp/mediapipe/modules/pose_landmark/pose_landmark_full.tflite|blazepose_landmark_full.onnx"
  "landmark_heavy|npm/package/pose_landmark_heavy.tflite|blazepose_landmark_heavy.onnx"
)
DENSE_DETECTOR="out/pose_detection_dense.tflite"

# ------------------------------------------------------------------------------ arguments
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$TOOLS_DIR/.." && pwd)"
HELPERS="$TOOLS_DIR/model_conversion"
CHECKSUMS="$HELPERS/checksums.sha256"
MODELS_DIR="$REPO_DIR/models"

install=0 force=0 compare=1 out_dir="" work_dir="$TOOLS_DIR/.model-work"
images=()
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "convert_models: error: $*" >&2; exit 1; }

while (($#)); do
  case "$1" in
    --install) install=1 ;;
    --force) force=1 ;;
    --no-compare) compare=0 ;;
    --work) [[ $# -ge 2 ]] || die "--work needs a folder"; work_dir="$2"; shift ;;
    --image) [[ $# -ge 2 && -f "$2" ]] || die "--image needs an existing file"; images+=("$(realpath "$2")"); shift ;;
    --images)
      [[ $# -ge 2 && -d "$2" ]] || die "--images needs an existing folder"
      while IFS= read -r f; do images+=("$f"); done < <(find "$(realpath "$2")" -maxdepth 1 -type f \
        \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort)
      shift ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z "$out_dir" ]] || die "only one OUTDIR may be given"; out_dir="$1" ;;
  esac
  shift
done

if [[ -z "$out_dir" ]]; then
  out_dir="$(mktemp -d "${TMPDIR:-/tmp}/liftform-models.XXXXXX")"
fi
mkdir -p "$out_dir" "$work_dir"
out_dir="$(realpath "$out_dir")"
work_dir="$(realpath "$work_dir")"
if [[ "$out_dir" == "$(realpath "$MODELS_DIR")" ]]; then
  die "OUTDIR is models/; convert into another folder and use --install to update models/"
fi

expected_sha() { awk -v f="$1" '$2 == f { print $1 }' "$CHECKSUMS"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
log() { printf '\n== %s\n' "$*"; }
# Run a command, indenting its stdout and dropping TensorFlow's start-up chatter from its stderr.
TF_NOISE='^WARNING: All log messages before absl::InitializeLog|oneDNN custom operations are on|^INFO: Created TensorFlow Lite XNNPACK delegate'
run_py() {
  { "$@" 2>&1 1>&3 3>&- | { grep -vE "$TF_NOISE" || true; } >&2; } 3>&1 | sed 's/^/  /'
}
started=$SECONDS

# ------------------------------------------------------------------------------ 1. Python venv
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON=...)"
venv="$work_dir/venv"
stamp_text="$("$PYTHON" -c 'import sys; print(sys.version)') ${PIP_PINS[*]} $(sha_of "$HELPERS/constraints.txt")"
if [[ -f "$venv/.liftform-stamp" && "$(cat "$venv/.liftform-stamp")" == "$stamp_text" ]]; then
  log "venv: reusing $venv"
else
  log "venv: creating $venv (${PIP_PINS[*]})"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --no-input --only-binary=:all: \
    -c "$HELPERS/constraints.txt" "${PIP_PINS[@]}"
  echo "$stamp_text" > "$venv/.liftform-stamp"
fi
py="$venv/bin/python"
"$py" -m pip freeze --all | grep -iE '^(tensorflow-cpu|tf2onnx|onnx|onnxruntime|numpy|protobuf|flatbuffers)==' | sed 's/^/  /'

# ------------------------------------------------------------------------------ 2. downloads
downloads="$work_dir/downloads"
mkdir -p "$downloads"
log "download: $MEDIAPIPE_WHEEL_SPEC (PyPI, cp311 manylinux wheel, no dependencies)"
"$py" -m pip download --quiet --no-input --no-deps --only-binary=:all: \
  --platform manylinux_2_17_x86_64 --python-version 3.11 --implementation cp --abi cp311 \
  --dest "$downloads" "$MEDIAPIPE_WHEEL_SPEC"
wheels=("$downloads"/mediapipe-0.10.14-cp311-cp311-manylinux*.whl)
[[ -f "${wheels[0]}" ]] || die "mediapipe wheel not found in $downloads"
wheel="${wheels[0]}"
echo "  $(basename "$wheel")  sha256 $(sha_of "$wheel")"

log "download: $NPM_POSE_SPEC (npm)"
tarball="$downloads/mediapipe-pose-0.5.1675469404.tgz"
if [[ ! -f "$tarball" ]]; then
  rm -rf "$downloads/.npm-pack"
  mkdir -p "$downloads/.npm-pack"
  (cd "$downloads/.npm-pack" && npm pack --silent "$NPM_POSE_SPEC" >/dev/null)
  mv "$downloads/.npm-pack/$(basename "$tarball")" "$tarball"
  rm -rf "$downloads/.npm-pack"
fi
[[ -f "$tarball" ]] || die "npm pack did not produce $tarball"
echo "  $(basename "$tarball")  sha256 $(sha_of "$tarball")"

# ------------------------------------------------------------------------------ 3. sources
# The build folder is recreated on every run. tf2onnx records the --tflite path it was given in
# the ONNX graph's doc_string, so the relative paths below are part of the byte-exact result.
build="$work_dir/build"
rm -rf "$build"
mkdir -p "$build/mp" "$build/npm" "$build/out" "$build/raw" "$build/logs"
log "extract: TFLite sources"
"$py" - "$wheel" "$build/mp" <<'PY'
import sys, zipfile
members = ["mediapipe/modules/pose_detection/pose_detection.tflite",
           "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"]
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for member in members:
        wheel.extract(member, sys.argv[2])
PY
tar -xzf "$tarball" -C "$build/npm" package/pose_landmark_heavy.tflite

for entry in "${MODELS[@]}"; do
  IFS='|' read -r key src _ <<<"$entry"
  want="$(expected_sha "$(basename "$src")")"
  got="$(sha_of "$build/$src")"
  printf '  %-62s %s %s B\n' "$src" "$got" "$(stat -c %s "$build/$src")"
  [[ "$got" == "$want" ]] || die "sha256 of $src is $got, expected $want (a damaged download? delete $downloads and retry)"
done
echo "  all three source sha256 values match"

# ------------------------------------------------------------------------------ 4. convert
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 CUDA_VISIBLE_DEVICES=""
cd "$build"
log "densify: detector sparse weights"
IFS='|' read -r _ detector_src _ <<<"${MODELS[0]}"
run_py "$py" "$HELPERS/densify_tflite.py" "$detector_src" "$DENSE_DETECTOR"

# tf2onnx 1.17 iterates over Python sets of graph nodes (hashed by memory address) in some
# optimizer passes, so the numbering inside its generated names (e.g. const_fold_opt__905)
# changes with the address layout. Fixed hash seed + no ASLR makes the result repeatable here;
# the graph itself is the same either way (step 6 checks it against models/ without names).
no_aslr=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
  no_aslr=(setarch "$(uname -m)" -R)
else
  echo "  note: setarch -R unavailable; internal tensor names (and sha256) may vary between runs"
fi

for entry in "${MODELS[@]}"; do
  IFS='|' read -r key src result <<<"$entry"
  input="$src"
  [[ "$key" == detector ]] && input="$DENSE_DETECTOR"
  log "tf2onnx: $input -> $result"
  if ! ${no_aslr[@]+"${no_aslr[@]}"} "$py" -m tf2onnx.convert --tflite "$input" --output "raw/$result" --opset "$OPSET" \
      >"logs/$key.tf2onnx.log" 2>&1; then
    tail -n 40 "logs/$key.tf2onnx.log" >&2
    die "tf2onnx failed for $input (log: $build/logs/$key.tf2onnx.log)"
  fi
  grep -E 'Successfully converted|Model inputs|Model outputs' "logs/$key.tf2onnx.log" | sed 's/^.*INFO - /  /' || true
  (cd "$HELPERS" && run_py "$py" finalize_onnx.py "$key" "$build/$src" "$build/raw/$result" "$out_dir/$result")
done
cd "$REPO_DIR"

# ------------------------------------------------------------------------------ 5. checksums
log "results in $out_dir"
all_match=1
(cd "$out_dir" && sha256sum "${MODELS[@]##*|}") > "$out_dir/SHA256SUMS"
for entry in "${MODELS[@]}"; do
  IFS='|' read -r key _ result <<<"$entry"
  got="$(sha_of "$out_dir/$result")"
  want="$(expected_sha "$result")"
  if [[ "$got" == "$want" ]]; then verdict="MATCHES shipped"; else verdict="DIFFERS from shipped $want"; all_match=0; fi
  printf '  %-32s %10s B  %s  %s\n' "$result" "$(stat -c %s "$out_dir/$result")" "$got" "$verdict"
done

# ------------------------------------------------------------------------------ 6. numeric check
if ((compare)); then
  log "compare: onnxruntime vs shipped models/ and vs source TFLite (tf.lite, XNNPACK)"
  ((${#images[@]})) || echo "  (no --image/--images given: random inputs only)"
  image_args=()
  for f in "${images[@]}"; do image_args+=(--image "$f"); done
  for entry in "${MODELS[@]}"; do
    IFS='|' read -r key src result <<<"$entry"
    args=("$key" "$out_dir/$result" --tflite "$build/$src" --json "$out_dir/compare_$key.json")
    [[ -f "$MODELS_DIR/$result" ]] && args+=(--reference "$MODELS_DIR/$result")
    [[ "$key" != detector ]] && args+=(--detector "$out_dir/blazepose_detector.onnx")
    (cd "$HELPERS" && run_py "$py" compare_onnx.py "${args[@]}" ${image_args[@]+"${image_args[@]}"})
  done
  structure_same=$("$py" - "$out_dir" <<'PY'
import glob, json, sys
verdicts = [json.load(open(f)).get("structure_vs_reference", "") for f in sorted(glob.glob(sys.argv[1] + "/compare_*.json"))]
print(f"{sum(v.startswith('identical') for v in verdicts)}/{len(verdicts)}")
PY
)
fi

# ------------------------------------------------------------------------------ 7. install
if ((install)); then
  if ((!all_match && !force)); then
    die "not installing: results differ from the shipped sha256 values (use --force, then update models/README.md and $CHECKSUMS)"
  fi
  log "install: copying results into models/"
  for entry in "${MODELS[@]}"; do
    result="${entry##*|}"
    cp "$out_dir/$result" "$MODELS_DIR/.$result.tmp"
    mv -f "$MODELS_DIR/.$result.tmp" "$MODELS_DIR/$result"
    echo "  models/$result"
  done
fi

log "done in $((SECONDS - started)) s; results in $out_dir"
echo "  sha256 identical to the shipped files: $([[ $all_match == 1 ]] && echo yes || echo no)"
[[ -n "${structure_same:-}" ]] && echo "  graph identical to models/ up to internal names: $structure_same"
exit 0
