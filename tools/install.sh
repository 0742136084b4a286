#!/usr/bin/env bash
# Installs liftform under a prefix (default ~/.local): the binary in PREFIX/bin, the models in
# PREFIX/share/liftform/models, the ONNX Runtime library in PREFIX/lib/liftform. The binary finds
# them there by itself. Run tools/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX="${1:-$HOME/.local}"
BIN="${LIFTFORM_BIN:-target/release/liftform}"
[ -x "$BIN" ] || cargo build --release
install -d "$PREFIX/bin" "$PREFIX/share/liftform/models" "$PREFIX/lib/liftform"
install -m 755 "$BIN" "$PREFIX/bin/liftform"
install -m 644 models/*.onnx models/NOTICE models/LICENSE-APACHE-2.0 models/README.md "$PREFIX/share/liftform/models/"
install -m 755 .ort/lib/libonnxruntime.so.1.31.1 "$PREFIX/lib/liftform/"
echo "installed: $PREFIX/bin/liftform"
