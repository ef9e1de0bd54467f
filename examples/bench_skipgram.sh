#!/usr/bin/env bash
# Skip-gram training speed and quality: artist2vec-skipgram vs gensim 4.4.0, same corpus, same
# settings (gensim's defaults: 100 d, window 5, 5 negatives, sample 1e-3, min_count 5, 5 epochs),
# 2 threads each, in one run; then NDCG@10 on held-out sessions and genre precision of every
# trainer's vectors, and one comparison table. CPU time and peak memory from /usr/bin/time -v.
# Not part of CI.
#
#   SCALE=1.0 examples/bench_skipgram.sh      # training corpus ≈ 2.7 M sessions, 31 M plays
#   SCALE=0.1 EPOCHS=5 examples/bench_skipgram.sh
#   TRAINERS="artist2vec gensim_iterable" examples/bench_skipgram.sh   # a subset
#
# Environment: SCALE (1.0), EPOCHS (5), THREADS (2), SEED (1, of every trainer), DIR (/tmp/a2v-bench-skipgram-v2-$SCALE; the
# generated corpus is reused when present), VENV (/tmp/a2v-skipgram-venv: made with gensim 4.4.0
# by shared/tools/peers/setup_venv.sh unless it already has gensim), TRAINERS (all four below;
# the first is the reference of the ratios), QUALITY_USERS (score NDCG on an evenly spaced
# sample of this many held-out users; all when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-1.0}
EPOCHS=${EPOCHS:-5}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
DIR=${DIR:-/tmp/a2v-bench-skipgram-v2-$SCALE}
VENV=${VENV:-/tmp/a2v-skipgram-venv}
TRAINERS=${TRAINERS:-gensim_iterable gensim_corpus_file artist2vec artist2vec_shared}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/artist2vec/target}
case " $TRAINERS " in *" gensim"*)
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import gensim" 2>/dev/null; then
        VENV="$VENV" bash ../shared/tools/peers/setup_venv.sh
    fi ;;
esac
cargo build --release --example bench_skipgram
B="$CARGO_TARGET_DIR/release/examples/bench_skipgram"
mkdir -p "$DIR"
if [ ! -s "$DIR/heldout.tsv" ]; then
    "$B" generate --scale "$SCALE" --out "$DIR" | tee "$DIR/generate.json"
fi
echo "training corpus: $(wc -l < "$DIR/corpus.txt") sentences, $(wc -w < "$DIR/corpus.txt") words"
lscpu | grep -E "Model name|^CPU\(s\)" || true
echo "load average before training: $(cut -d' ' -f1-3 /proc/loadavg)"

run() {  # name, command...
    local name=$1; shift
    /usr/bin/time -v "$@" > "$DIR/$name.json" 2> "$DIR/$name.time"
    cat "$DIR/$name.json"
    grep -E "Maximum resident|Elapsed \(wall|User time|System time" "$DIR/$name.time" | sed "s/^/  $name: /"
    echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}
common=(--threads "$THREADS" --epochs "$EPOCHS" --seed "$SEED")
for t in $TRAINERS; do
    case $t in
        artist2vec) run "$t" "$B" train --corpus "$DIR/corpus.txt" --out "$DIR/$t.bin" "${common[@]}" ;;
        artist2vec_shared) run "$t" "$B" train --corpus "$DIR/corpus.txt" --out "$DIR/$t.bin" \
            "${common[@]}" --shared-negatives ;;
        gensim_iterable) run "$t" "$VENV/bin/python" examples/bench_skipgram.py --corpus "$DIR/corpus.txt" \
            --out "$DIR/$t.bin" --mode iterable --workers "$THREADS" --epochs "$EPOCHS" --seed "$SEED" ;;
        gensim_corpus_file) run "$t" "$VENV/bin/python" examples/bench_skipgram.py --corpus "$DIR/corpus.txt" \
            --out "$DIR/$t.bin" --mode corpus_file --workers "$THREADS" --epochs "$EPOCHS" --seed "$SEED" ;;
        *) echo "unknown trainer $t" >&2; exit 2 ;;
    esac
done
# shellcheck disable=SC2086
"$B" quality --dir "$DIR" ${QUALITY_USERS:+--users "$QUALITY_USERS"} $TRAINERS
echo
echo "SCALE=$SCALE EPOCHS=$EPOCHS THREADS=$THREADS SEED=$SEED; ratios against the first row"
# shellcheck disable=SC2086
"$B" table --dir "$DIR" $TRAINERS | tee "$DIR/table.md"
