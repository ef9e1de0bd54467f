#!/usr/bin/env bash
# Skip-gram training speed and quality: artist2vec-skipgram vs gensim 4.4.0, same corpus, same
# settings (gensim's defaults: 100 d, window 5, 5 negatives, sample 1e-3, min_count 5, 5 epochs),
# 2 threads each, in one run. Peak memory from /usr/bin/time -v. Not part of CI.
#
#   SCALE=1.0 examples/bench_skipgram.sh        # 2.7 M sessions, 31 M plays (SCALE=0.1: a tenth)
#
# Makes a virtualenv with gensim 4.4.0 in /tmp (shared/tools/peers/setup_venv.sh) unless
# VENV already has one.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-1.0}
DIR=${DIR:-/tmp/a2v-bench-skipgram-$SCALE}
VENV=${VENV:-/tmp/a2v-skipgram-venv}
THREADS=${THREADS:-2}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/artist2vec/target}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import gensim" 2>/dev/null; then
    VENV="$VENV" bash ../shared/tools/peers/setup_venv.sh
fi
cargo build --release --example bench_skipgram
B="$CARGO_TARGET_DIR/release/examples/bench_skipgram"
mkdir -p "$DIR"
[ -s "$DIR/corpus.txt" ] || "$B" generate --scale "$SCALE" --out "$DIR" | tee "$DIR/generate.json"
echo "corpus: $(wc -l < "$DIR/corpus.txt") sentences, $(wc -w < "$DIR/corpus.txt") words"
lscpu | grep -E "Model name|^CPU\(s\)" || true

run() {  # name, command...
    local name=$1; shift
    /usr/bin/time -v "$@" > "$DIR/$name.json" 2> "$DIR/$name.time"
    cat "$DIR/$name.json"
    grep -E "Maximum resident|Elapsed \(wall" "$DIR/$name.time" | sed "s/^/  $name: /"
}
run artist2vec "$B" train --corpus "$DIR/corpus.txt" --out "$DIR/artist2vec.bin" --threads "$THREADS"
run artist2vec_shared "$B" train --corpus "$DIR/corpus.txt" --out "$DIR/artist2vec_shared.bin" \
    --threads "$THREADS" --shared-negatives
run gensim_iterable "$VENV/bin/python" examples/bench_skipgram.py --corpus "$DIR/corpus.txt" \
    --out "$DIR/gensim_iterable.bin" --mode iterable --workers "$THREADS"
run gensim_corpus_file "$VENV/bin/python" examples/bench_skipgram.py --corpus "$DIR/corpus.txt" \
    --out "$DIR/gensim_corpus_file.bin" --mode corpus_file --workers "$THREADS"
"$B" quality --genres "$DIR/genres.tsv" --corpus "$DIR/corpus.txt" \
    "$DIR/artist2vec.bin" "$DIR/artist2vec_shared.bin" "$DIR/gensim_iterable.bin" "$DIR/gensim_corpus_file.bin"
