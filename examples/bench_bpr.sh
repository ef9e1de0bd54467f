#!/usr/bin/env bash
# Seconds per BPR epoch of artist2vec-models against implicit 0.7.3, same file, same settings,
# same thread count, in one run; prints the ratio (implicit / artist2vec). Not for CI: it
# installs implicit from PyPI into a virtualenv.
#
# Usage: examples/bench_bpr.sh [TSV]   (default: the large matrix of bench_als, generated when
#                                      missing: 45,000 x 100,000 from 10,000,000 plays)
# Environment: ARTIST2VEC_DATA (shared/data), CARGO_TARGET_DIR, VENV (default
#   /tmp/artist2vec-bench-venv), THREADS (2), EPOCHS (4 per fit: 3 timed), ROUNDS (2), BUILD (1;
#   0 skips `cargo build` when the binaries are already built), SAMPLE_RUN (the BPR config's
#   `sample_run`; unset: its default, 8 consecutive pairs per draw; 1: independent draws).
#
# Settings: implicit's defaults — 64 factors, learning rate 0.01, regularisation 0.01, negatives
# verified against the listener's row, binary input, float32. The two implementations run
# alternately (artist2vec, implicit, artist2vec, implicit), and the median epoch of each side
# over all its timed epochs is compared (the best epoch is printed too), so that load from other
# processes hurts both alike.
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
EPOCHS=${EPOCHS:-4}
ROUNDS=${ROUNDS:-2}
TRAIN=${1:-${LARGE_TSV:-/tmp/artist2vec-als-large.tsv}}

if [ "${BUILD:-1}" != 0 ]; then
    (cd "$ROOT" && cargo build --release --example bench_bpr --example bench_als >&2)
fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples
[ -s "$TRAIN" ] || "$BIN/bench_als" generate --out "$TRAIN"

out=$(mktemp)
echo "== BPR epoch: $TRAIN ($THREADS threads, $ROUNDS rounds of $EPOCHS epochs each side)" >&2
lscpu | grep -E "Model name|^CPU\(s\)" >&2 || true
for round in $(seq "$ROUNDS"); do
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    "$BIN/bench_bpr" fit --train "$TRAIN" --threads "$THREADS" --epochs "$EPOCHS" \
        ${SAMPLE_RUN:+--sample-run "$SAMPLE_RUN"} | tee -a "$out.rust" >&2
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    "$PY" "$HERE/bench_bpr.py" --train "$TRAIN" --threads "$THREADS" --epochs "$EPOCHS" | tee -a "$out.py" >&2
done
"$PY" - "$out.rust" "$out.py" <<'PY'
import json, statistics, sys
def epochs(path):
    return [e for l in open(path) if l.strip() for e in json.loads(l)["epoch_s"]]
r, p = epochs(sys.argv[1]), epochs(sys.argv[2])
mr, mp = statistics.median(r), statistics.median(p)
print(f"BPR epoch, median: artist2vec {mr:.3f} s, implicit {mp:.3f} s, implicit / artist2vec = {mp / mr:.2f}x"
      f"  (best: {min(r):.3f} s vs {min(p):.3f} s, {min(p) / min(r):.2f}x)")
PY
rm -f "$out" "$out.rust" "$out.py"
