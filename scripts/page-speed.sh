#!/usr/bin/env bash
# Prints page speed of the release build (figures, not assertions; not part of
# `make test` or CI): Lighthouse in mobile mode (its default form factor, simulated
# slow 4G and 4× CPU slowdown) in Debian Chromium, headless, on the home page `/`,
# the announcement list `/announcements`, one firm profile and the leader's
# dashboard `/dashboard` (signed in through the sign-in form) — performance and
# accessibility scores, LCP, total bytes transferred — then the WASM / JS / CSS
# bytes each of these routes loads, raw, gzip -9 and brotli q11, and as served.
#   scripts/page-speed.sh [RUNS] [PROJECTS]    (default 1 50000: Lighthouse runs per
#       route, median by performance score; demo market size)
#   PAGE_SPEED_NO_BUILD=1 …   use the release server and target/site already built
# The server runs on a free loopback port with a fresh SQLite demo market; the
# Lighthouse reports (JSON and HTML) are left in target/page-speed/. Needs the npm
# package lighthouse (package.json) and Debian's chromium; never downloads a browser.
source "$(dirname "$0")/lib.sh"
RUNS=${1:-1}; PROJECTS=${2:-50000}

[[ -x "$ROOT/node_modules/.bin/lighthouse" ]] || "$ROOT/scripts/setup.sh"
apt_install chromium
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}

# The release server and site, WASM included (wasm-opt -Oz), as in production.
if [[ -z "${PAGE_SPEED_NO_BUILD:-}" ]]; then
  "$ROOT/scripts/setup.sh"
  step "cargo leptos build --release"
  cargo leptos build --release >/dev/null
fi
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD

WORK=$(mktemp -d /tmp/zjcs-page-speed.XXXXXX)
PID= NODE_PID=
cleanup() {
  # node kills the browser it started when it is stopped (SIGTERM)
  [[ -n "$NODE_PID" ]] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null || true
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(free_port)
step "server on 127.0.0.1:$PORT with a fresh demo market (SQLite, $PROJECTS projects)"
"$CARGO_TARGET_DIR/release/server" --addr "127.0.0.1:$PORT" --database-url "sqlite://$WORK/site.db" \
  --sealing-key-file "$WORK/sealing.key" --demo --demo-projects "$PROJECTS" \
  >"$WORK/server.log" 2>&1 &
PID=$!
wait_for_server "$PORT" "$PID" "$WORK/server.log" 300 || exit 1   # the demo market loads first
note "$(grep -m1 'demo data loaded' "$WORK/server.log" || echo 'demo data already loaded')"

step "Lighthouse (mobile) on /, /announcements, a firm profile, /dashboard; assets per route"
note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $("$CHROME_PATH" --version 2>/dev/null)"
# in the background so that the trap can stop it (and with it the browser)
node "$ROOT/scripts/page-speed.mjs" --base "http://127.0.0.1:$PORT" --runs "$RUNS" --out "$ROOT/target/page-speed" &
NODE_PID=$!
rc=0; wait "$NODE_PID" || rc=$?
NODE_PID=
exit "$rc"
