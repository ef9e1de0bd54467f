#!/bin/sh
# Runs one fuzz target for 10 minutes (or $2 seconds) at the lowest priority, with the corpus
# in fuzz/corpus/<target> grown from fuzz/seeds/<target> (see docs/reliability.md).
# Usage: fuzz/run.sh <target> [seconds]
set -e
t=$1
secs=${2:-600}
cd "$(dirname "$0")"
mkdir -p corpus/$t seeds/$t artifacts/$t
exec nice -n 19 cargo +nightly fuzz run -s none --target-dir "${FUZZ_TARGET_DIR:-$HOME/.cache/artist2vec/fuzz-target}" \
  $t corpus/$t seeds/$t -- -rss_limit_mb=1024 -max_total_time=$secs -max_len=65536 -timeout=60 \
  -artifact_prefix=artifacts/$t/ -print_final_stats=1
