#!/usr/bin/env bash
# GRU4Rec against the sequence baselines on planted play order, from the command line
# (issue 14's GRU experiment as a user runs it; `examples/gru_sessions.rs` is the same in one
# process). Generates the example's data (600 listeners, 800 artists in 8 genres, 100,000 plays,
# planted order p = 0.5), splits the last 20 % of the sessions off as test, fits every session
# model through `artist2vec fit`, scores the session protocol with `evaluate-sessions` and
# compares them with paired Wilcoxon tests (`compare`, Holm) on MRR@20 and HR@20.
# Not part of CI (minutes of CPU).
#
#   examples/gru_sessions_cli.sh
#   ORDER=0.3 SEED=7 examples/gru_sessions_cli.sh
#   CONTEXT=user examples/gru_sessions_cli.sh   # GRU4Rec on one sequence per listener, every
#                                               # query started with the listener's earlier plays
#
# Environment: BIN (default $CARGO_TARGET_DIR/release/artist2vec), DIR (/tmp/a2v-gru-sessions),
# ORDER (0.5), SEED (42), CONTEXT (session | user), GRU (GRU4Rec's configuration JSON).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/artist2vec}
ORDER=${ORDER:-0.5}
SEED=${SEED:-42}
CONTEXT=${CONTEXT:-session}
DIR=${DIR:-/tmp/a2v-gru-sessions}/p$ORDER-s$SEED-$CONTEXT
GRU=${GRU:-'{"lr": 0.005, "weight_decay": 0, "skip": true, "constrained": true, "repeat": true, "batch_size": 50, "lr_decay": 0.7, "epochs": 12}'}
mkdir -p "$DIR"
cd "$DIR"
cat > synth.json <<JSON
{"seed": $SEED, "n_users": 600, "n_artists": 800, "n_tracks": 3200, "n_genres": 8,
 "n_sessions": 8333, "n_plays": 100000, "zipf_exponent": 1.0, "genres_per_user": 3,
 "drift": 0.08, "repeat_track": 0.05, "same_artist": 0.25, "favorite": 0.25,
 "short_play": 0.12, "multi_artist_tracks": 0.05, "n_tags": 60, "tags_per_artist": 3,
 "tag_noise": 0.1, "n_playlists": 800, "playlist_len": 20, "empty_playlists": 0.02,
 "n_loves": 8000, "start_time": 1388534400, "span_days": 425, "sequential_order": $ORDER}
JSON
"$BIN" -q synth --config synth.json --out gen
"$BIN" -q split gen/idomaar --method last-sessions --fraction 0.2 --out split
history=()
gap=30
if [ "$CONTEXT" = user ]; then
    history=(--history split/train.tsv)
    gap=0
fi
fit() { # name model config [fit options]
    local name=$1 model=$2 config=$3
    shift 3
    /usr/bin/time -f "$name: fit %e s, peak RSS %M KB" \
        "$BIN" -q fit --model "$model" --config "$config" --train split/train.tsv --out "$name.a2v" "$@"
    "$BIN" -q evaluate-sessions --model "$name.a2v" --test split/test.tsv "${history[@]}" \
        --out "eval_$name.json" | grep -E 'mrr@20|hit_rate@20|precision@1 '
}
fit gru gru4rec "$GRU" --session-gap "$gap"
fit markov markov '{}'
fit session-cooc session-cooc '{}'
fit session-knn session-knn '{}'
fit skipgram skipgram '{"history_last": 1, "min_count": 1, "epochs": 10}'
fit popularity popularity '{}'
for metric in mrr@20 hit_rate@20; do
    "$BIN" -q compare eval_gru.json eval_markov.json eval_session-cooc.json eval_session-knn.json \
        eval_skipgram.json eval_popularity.json --metric "$metric"
done
