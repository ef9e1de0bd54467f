#!/usr/bin/env bash
# Browser checks of artist2vec's HTML maps in headless Chromium.
#
#   crates/viz/tests/browser/run.sh [--install] MODE PAGE.html [ARGS…]     (modes: see map_check.mjs)
#
# Needs Debian's chromium (/usr/bin/chromium, or $A2V_CHROMIUM) and node. With --install, a
# missing chromium is installed with `apt-get install -y chromium` (root only; a minute or two);
# without it, a missing chromium is a skip. playwright-core (the driver, one npm package without
# browser downloads) is installed once into $A2V_NODE_MODULES/.. (default
# ~/.cache/artist2vec/node) when missing.
#
# Exit status: 0 passed, 77 skipped (the reason is printed on stdout, starting with "skip:"),
# anything else failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
install=0
if [ "${1:-}" = "--install" ]; then install=1; shift; fi
chromium="${A2V_CHROMIUM:-/usr/bin/chromium}"

skip() { echo "skip: $*"; exit 77; }

if [ ! -x "$chromium" ]; then
    if [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing chromium (apt-get install -y chromium)…" >&2
        if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null 2>&1 \
            || { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >/dev/null 2>&1; }; }; then
            skip "chromium could not be installed with apt-get"
        fi
    else
        skip "no chromium at $chromium (run crates/viz/tests/browser/run.sh --install … as root to install Debian's chromium, or set A2V_CHROMIUM)"
    fi
fi
command -v node >/dev/null 2>&1 || skip "node is not installed (needed to drive chromium)"

node_dir="${A2V_NODE_DIR:-$HOME/.cache/artist2vec/node}"
export A2V_NODE_MODULES="$node_dir/node_modules"
if [ ! -f "$A2V_NODE_MODULES/playwright-core/package.json" ]; then
    command -v npm >/dev/null 2>&1 || skip "npm is not installed (needed once for playwright-core)"
    mkdir -p "$node_dir"
    [ -f "$node_dir/package.json" ] || echo '{"private": true}' > "$node_dir/package.json"
    echo "installing playwright-core into $node_dir…" >&2
    (cd "$node_dir" && timeout 120 npm install --no-audit --no-fund --silent playwright-core >/dev/null 2>&1) \
        || skip "playwright-core could not be installed with npm (offline?)"
fi
export A2V_CHROMIUM="$chromium"
exec timeout 300 node "$here/map_check.mjs" "$@"
