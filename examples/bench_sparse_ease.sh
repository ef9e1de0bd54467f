#!/usr/bin/env bash
# Does sparse EASE pay at 100K artists, where dense EASE must prune? (issue 16, item 2)
#
# Generates ~94K artists of play data with planted genres (`artist2vec synth`), splits it
# 80/20 per listener (test) and the training part again (validation), then fits, recommends
# and evaluates every model from the command line, as a user would, and compares them with
# paired Wilcoxon tests against sparse EASE's default. Not part of CI (minutes of CPU).
#
#   examples/bench_sparse_ease.sh            # test split, the val-tuned settings below
#   SPLIT=val examples/bench_sparse_ease.sh  # the validation split (where settings are tuned)
#
# Environment: BIN (the artist2vec binary; default $CARGO_TARGET_DIR/release/artist2vec),
# DIR (/tmp/a2v-sparse-ease), SPLIT (test | val), MODELS (the lines below, `name model json`).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/artist2vec}
DIR=${DIR:-/tmp/a2v-sparse-ease}
SPLIT=${SPLIT:-test}
mkdir -p "$DIR"
if [ ! -s "$DIR/data/hetrec2011-lastfm-2k/user_artists.dat" ]; then
    cat > "$DIR/synth.json" <<'EOF'
{"n_users": 20000, "n_artists": 100000, "n_tracks": 400000, "n_genres": 20,
 "n_sessions": 300000, "n_plays": 4000000, "n_tags": 200, "n_playlists": 2000, "n_loves": 20000}
EOF
    "$BIN" -q synth --preset small --config "$DIR/synth.json" --seed 42 --out "$DIR/data"
fi
[ -s "$DIR/test/train.tsv" ] ||
    "$BIN" -q split "$DIR/data/hetrec2011-lastfm-2k" --method holdout --seed 42 --out "$DIR/test"
[ -s "$DIR/val/train.tsv" ] ||
    "$BIN" -q split "$DIR/test/train.tsv" --method holdout --seed 7 --out "$DIR/val"
D=$DIR/$SPLIT
MODELS=${MODELS:-'sparse-ease sparse-ease {}
sparse-ease-k100-cooc sparse-ease {"k":100,"support":"cooccurrence"}
ease-16 ease {"min_listeners":16}
ease-8 ease {"min_listeners":8}
rp3beta-b0 rp3beta {"beta":0.0}
rp3beta rp3beta {}
item-knn item-knn {}
als als {}'}
evals=()
while read -r name model json; do
    [ -n "$name" ] || continue
    t0=$(date +%s.%N)
    "$BIN" -q fit --model "$model" --config "$json" --train "$D/train.tsv" --out "$DIR/$name.a2v" >/dev/null
    t1=$(date +%s.%N)
    "$BIN" -q recommend --model "$DIR/$name.a2v" --users "$D/test.tsv" --k 10 \
        --out "$DIR/$name.recs.tsv" >/dev/null
    t2=$(date +%s.%N)
    ndcg=$("$BIN" -q evaluate --train "$D/train.tsv" --test "$D/test.tsv" \
        --recs "$DIR/$name.recs.tsv" --out "$DIR/eval_$name.json" | awk '/ndcg@10/ {print $2}')
    printf '%-22s %-40s NDCG@10 %s  fit %6.1f s  recommend %5.1f s  file %s\n' "$name" "$json" \
        "$ndcg" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" \
        "$(du -h "$DIR/$name.a2v" | cut -f1)"
    evals+=("$DIR/eval_$name.json")
done <<< "$MODELS"
"$BIN" -q compare --reference "${evals[0]}" "${evals[@]}"
