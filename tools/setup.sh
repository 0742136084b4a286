#!/usr/bin/env bash
# Installs what liftform needs to build and run, and nothing that is already there:
#   - Debian/Ubuntu packages: compiler, clang (for the opencv crate's binding generator),
#     OpenCV 4 core/imgproc/videoio/imgcodecs headers, ffmpeg (tests make clips with it), procps
#     (the tests signal the binary with `kill`);
#   - the ONNX Runtime shared library, taken from the PyPI onnxruntime wheel, into .ort/lib/
#     (git-ignored).
# Safe to run any number of times.
set -euo pipefail
cd "$(dirname "$0")/.."

ORT_VERSION=1.31.1
ORT_DIR=.ort/lib
ORT_LIB="$ORT_DIR/libonnxruntime.so.$ORT_VERSION"
PACKAGES=(build-essential pkg-config clang libclang-dev libopencv-core-dev libopencv-imgproc-dev
          libopencv-videoio-dev libopencv-imgcodecs-dev ffmpeg unzip procps)
# pip fetches the ONNX Runtime wheel; any python3 with pip will do (Debian's, pyenv's, ...)
python3 -m pip --version >/dev/null 2>&1 || PACKAGES+=(python3 python3-pip)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$ORT_LIB" ]; then
  echo "setup: fetching ONNX Runtime $ORT_VERSION from the PyPI wheel"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
    --python-version 3.11 --implementation cp "onnxruntime==$ORT_VERSION" -d "$tmp"
  mkdir -p "$ORT_DIR"
  unzip -q -j -o "$tmp"/onnxruntime-*.whl "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" -d "$tmp/lib"
  mv "$tmp/lib/libonnxruntime.so.$ORT_VERSION" "$ORT_LIB.partial" && mv "$ORT_LIB.partial" "$ORT_LIB"
fi
ln -sf "libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/libonnxruntime.so.1"
ln -sf "libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/libonnxruntime.so"
echo "setup: ok (ONNX Runtime at $ORT_LIB)"
