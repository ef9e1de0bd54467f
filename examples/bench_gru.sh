#!/usr/bin/env bash
# Epoch times of the burn models: artist2vec's GRU4Rec and two-tower trainers (CPU, ndarray) vs
# PyTorch references of the same architectures (examples/bench_gru.py, bench_two_tower.py),
# same generated plays, same thread count, in one run.
# Not part of CI. The PyTorch side runs in a venv made here (pip, CPU wheel).
#
#   PLAYS=1000000 THREADS=2 examples/bench_gru.sh
#
# Environment: PLAYS (1000000), ARTISTS (5000), EPOCHS (1), THREADS (2), DIR (/tmp/a2v-bench-gru),
# VENV (/tmp/a2v-torch-venv), SKIP_TORCH (unset), MODEL (both: gru, two-tower or both), BUILD (1;
# 0 skips `cargo build`).
set -euo pipefail
cd "$(dirname "$0")/.."
PLAYS=${PLAYS:-1000000}
ARTISTS=${ARTISTS:-5000}
EPOCHS=${EPOCHS:-1}
THREADS=${THREADS:-2}
DIR=${DIR:-/tmp/a2v-bench-gru}
MODEL=${MODEL:-both}
VENV=${VENV:-/tmp/a2v-torch-venv}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/artist2vec/target}
# BUILD=0 uses the binary the workspace build made (`cargo test --workspace --release --no-run`).
[ "${BUILD:-1}" = 0 ] || cargo build --release -p artist2vec-examples --example bench_gru
echo "load average before training: $(cut -d' ' -f1-3 /proc/loadavg)"
RAYON_NUM_THREADS=$THREADS taskset -c 0-$((THREADS - 1)) \
    "$CARGO_TARGET_DIR/release/examples/bench_gru" --plays "$PLAYS" --artists "$ARTISTS" \
    --epochs "$EPOCHS" --out "$DIR" --model "$MODEL"
if [ -z "${SKIP_TORCH:-}" ]; then
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
        python3 -m venv "$VENV"
        # The CPU-only wheel index when it is reachable, else PyPI's wheel (larger: CUDA libraries).
        "$VENV/bin/pip" install --quiet torch --index-url https://download.pytorch.org/whl/cpu \
            || "$VENV/bin/pip" install --quiet torch
    fi
    if [ "$MODEL" != two-tower ]; then
        echo "load average before training: $(cut -d' ' -f1-3 /proc/loadavg)"
        taskset -c 0-$((THREADS - 1)) "$VENV/bin/python" examples/bench_gru.py \
            "$DIR/sessions.txt" "$EPOCHS" "$THREADS"
    fi
    if [ "$MODEL" != gru ]; then
        echo "load average before training: $(cut -d' ' -f1-3 /proc/loadavg)"
        taskset -c 0-$((THREADS - 1)) "$VENV/bin/python" examples/bench_two_tower.py \
            "$DIR/rows.tsv" "$EPOCHS" "$THREADS"
    fi
fi
