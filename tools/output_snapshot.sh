#!/usr/bin/env bash
# Writes every output a release binary makes on the samples (and, where ../shared/data is beside
# the repository, two real clips with bar tracking) into OUT_DIR, so that two builds can be compared
# byte for byte after a change that must not change behaviour:
#   tools/output_snapshot.sh old/liftform /tmp/before && tools/output_snapshot.sh target/release/liftform /tmp/after
#   diff -r /tmp/before /tmp/after     # only the timing lines of the *.txt logs may differ
# Paths inside the logs name OUT_DIR; compare with the same OUT_DIR name or mask it.
set -uo pipefail
BIN=$(realpath "$1"); OUT=$2
cd "$(dirname "$0")/.."
rm -rf "$OUT"; mkdir -p "$OUT"
for s in deadlift_faults_cam15 deadlift_clean_3reps; do
  "$BIN" analyze "samples/$s.mp4" -o "$OUT/plain" > "$OUT/$s.txt" 2>&1; echo "rc=$?" >> "$OUT/$s.txt"
  "$BIN" analyze "samples/$s.mp4" -o "$OUT/full" --html --annotate --clips --json > "$OUT/$s.json" 2>/dev/null; echo "rc=$?" >> "$OUT/$s.json"
  "$BIN" analyze --from-poses "$OUT/plain/$s/poses.jsonl" -o "$OUT/from-poses" --json > "$OUT/$s.from-poses.json" 2>&1
done
"$BIN" rules > "$OUT/rules.txt"; "$BIN" explain DL003 > "$OUT/explain.txt"; "$BIN" config > "$OUT/config.txt"
mkdir -p "$OUT/batch-in"; cp samples/deadlift_clean_3reps.mp4 "$OUT/batch-in/"; echo notes > "$OUT/batch-in/notes.txt"
"$BIN" batch "$OUT/batch-in" -o "$OUT/batch" --html -q > "$OUT/batch.txt" 2>&1; echo "rc=$?" >> "$OUT/batch.txt"
for c in bichraix_bad011 mattiolato_Bad_000002; do
  clip=../shared/data/videos/$c.mp4
  [ -f "$clip" ] && { "$BIN" analyze "$clip" -o "$OUT/real" --html --json > "$OUT/$c.json" 2>/dev/null; echo "rc=$?" >> "$OUT/$c.json"; }
done
echo "wrote $OUT"
