#!/usr/bin/env bash
# ALS fit time of artist2vec-models against implicit 0.7.3, same file, same settings, same
# thread count, in one run; prints the ratio (implicit / artist2vec). Not for CI: it installs
# implicit from PyPI into a virtualenv.
#
# Usage: examples/bench_als.sh [hetrec|large|all]      (default: all)
# Environment: ARTIST2VEC_DATA (shared/data; default ../shared/data next to the checkout),
#   CARGO_TARGET_DIR, VENV (default /tmp/artist2vec-bench-venv), THREADS (2), REPEAT (3),
#   LARGE_TSV (default /tmp/artist2vec-als-large.tsv; generated when missing), BUILD (1; 0 skips
#   `cargo build` when the binary is already built).
#
# Settings: implicit's hetrec reference — log1p input, 64 factors, regularisation 0.05,
# alpha 1, 15 iterations, conjugate gradient with 3 steps, float32. The two implementations
# run alternately (artist2vec, implicit, artist2vec, implicit), REPEAT fits each time, and the
# best time of each is compared, so that load from other processes hurts both alike.
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
REPEAT=${REPEAT:-3}
LARGE_TSV=${LARGE_TSV:-/tmp/artist2vec-als-large.tsv}
WHICH=${1:-all}

if [ "${BUILD:-1}" != 0 ]; then
    (cd "$ROOT" && cargo build --release --example bench_als >&2)
fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/bench_als

best() { "$PY" -c 'import json,sys; print(min(json.loads(l)["best_s"] for l in sys.stdin if l.strip()))'; }

bench() {
    local label=$1 train=$2 out
    out=$(mktemp)
    echo "== $label: $train ($THREADS threads, best of 2 x $REPEAT fits each)" >&2
    for round in 1 2; do
        "$BIN" fit --train "$train" --threads "$THREADS" --repeat "$REPEAT" | tee -a "$out.rust" >&2
        "$PY" "$HERE/bench_als.py" --train "$train" --threads "$THREADS" --repeat "$REPEAT" | tee -a "$out.py" >&2
    done
    local r p
    r=$(best < "$out.rust")
    p=$(best < "$out.py")
    "$PY" -c "print(f'$label: artist2vec {float($r):.3f} s, implicit {float($p):.3f} s, implicit / artist2vec = {float($p)/float($r):.2f}x')"
    rm -f "$out" "$out.rust" "$out.py"
}

if [ "$WHICH" = hetrec ] || [ "$WHICH" = all ]; then
    bench hetrec "$DATA/splits/hetrec-seed42/train.tsv"
fi
if [ "$WHICH" = large ] || [ "$WHICH" = all ]; then
    [ -s "$LARGE_TSV" ] || "$BIN" generate --out "$LARGE_TSV"
    bench large "$LARGE_TSV"
fi
