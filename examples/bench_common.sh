# Sourced by the examples' benchmark drivers that run `implicit` beside artist2vec
# (bench_als.sh, bench_recommend.sh): sets HERE, ROOT, DATA, TOOLS, VENV, THREADS and PY, making
# the virtualenv with implicit (shared/tools/peers/setup_venv.sh) when it lacks it.
HERE=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DATA=${ARTIST2VEC_DATA:-$ROOT/../shared/data}
TOOLS=$(cd "$DATA/../tools" && pwd)
VENV=${VENV:-/tmp/artist2vec-bench-venv}
THREADS=${THREADS:-2}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import implicit" 2>/dev/null; then
    echo "making $VENV with implicit (tools/peers/setup_venv.sh)" >&2
    VENV=$VENV bash "$TOOLS/peers/setup_venv.sh" >&2
fi
PY=$VENV/bin/python
