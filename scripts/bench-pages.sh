#!/usr/bin/env bash
# Prints requests per second and p50 / p99 latency of the public server-rendered
# pages (home `/`, announcement list `/announcements`, firm directory `/firms`) of
# a release server with the demo market, at 100 concurrent keep-alive connections,
# beside a bare axum handler measured the same way in the same run (each page's
# ratio to it), and the server's memory (VmRSS, peak VmHWM) before and after the
# load. Figures, not assertions; not part of `make test` or CI.
#   scripts/bench-pages.sh [CONNECTIONS] [REQUESTS] [SECONDS] [PROJECTS]
#       (default 100 50000 20 50000: per target at most REQUESTS timed requests or
#       SECONDS, after a 500-request warm-up; PROJECTS for the demo market)
#   BENCH_PAGES_ARGS="--paths /,/items --warmup 1000" …   extra load_pages options
#   BENCH_PAGES_NO_BUILD=1 …   use the release binaries already in the target dir
# The load generator is server/src/bin/load_pages.rs; it shares the two cores with
# the server, so the figures are "this machine, client included".
source "$(dirname "$0")/lib.sh"
CONNECTIONS=${1:-100}; REQUESTS=${2:-50000}; SECONDS_LIMIT=${3:-20}; PROJECTS=${4:-50000}

# The release server as `cargo leptos build --release` builds it (same flags and
# LEPTOS_OUTPUT_NAME, so the shared target dir reuses its artifacts), plus the
# load generator; the SSR pages need no WASM (the load generator fetches HTML only).
if [[ -z "${BENCH_PAGES_NO_BUILD:-}" ]]; then
  step "cargo build --release (server + load generator)"
  LEPTOS_OUTPUT_NAME=zjcs cargo build --release --package=server --bin=server --bin=load_pages --no-default-features >/dev/null
fi
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD

WORK=$(mktemp -d /tmp/zjcs-bench-pages.XXXXXX)
PID=
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(free_port)
step "server on 127.0.0.1:$PORT with a fresh demo market (SQLite, $PROJECTS projects)"
"$CARGO_TARGET_DIR/release/server" --addr "127.0.0.1:$PORT" --database-url "sqlite://$WORK/bench.db" \
  --sealing-key-file "$WORK/sealing.key" --demo --demo-projects "$PROJECTS" \
  >"$WORK/server.log" 2>&1 &
PID=$!
wait_for_server "$PORT" "$PID" "$WORK/server.log" 300 || exit 1   # the demo market loads first
note "$(grep -m1 'demo data loaded' "$WORK/server.log" || echo 'demo data already loaded')"

step "bare axum handler, then the pages: $CONNECTIONS connections, at most $REQUESTS requests or ${SECONDS_LIMIT}s each"
note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# shellcheck disable=SC2086   # BENCH_PAGES_ARGS is a list of options
"$CARGO_TARGET_DIR/release/load_pages" --base-url "http://127.0.0.1:$PORT" --server-pid "$PID" \
  --connections "$CONNECTIONS" --requests "$REQUESTS" --seconds "$SECONDS_LIMIT" ${BENCH_PAGES_ARGS:-}
