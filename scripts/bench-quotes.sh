#!/usr/bin/env bash
# Prints how many sealed quotes per second the running server accepts, with p50 /
# p99 latency, beside the raw insert rate of the same database on this machine
# (release build, loopback, one fresh demo market), and the server's memory (RSS
# and peak RSS) before and after the load. Figures, not assertions.
#   scripts/bench-quotes.sh [QUOTES] [CONNECTIONS] [SECONDS]     (default 2000 16 120)
#   DATABASE_URL=postgres://user@host:port/db scripts/bench-quotes.sh   (an empty database,
#       or one already holding the demo market; the benchmark announcement stays in it)
#   scripts/bench-quotes.sh --pg [QUOTES] …   (a throwaway PostgreSQL 15 cluster, scripts/pg.sh;
#       note that it runs with fsync=off, so both rates are above a production cluster's)
# All quotes go to one price-competition announcement (the worst case: one hot
# announcement near its deadline), from the four demo firm accounts with several
# sessions each; a firm may replace its quote, so repeats are quote changes.
source "$(dirname "$0")/lib.sh"
PG=0
if [[ "${1:-}" == "--pg" ]]; then PG=1; shift; fi
QUOTES=${1:-2000}; CONNECTIONS=${2:-16}; SECONDS_LIMIT=${3:-120}

# The release server as `cargo leptos build --release` builds it (same flags and
# LEPTOS_OUTPUT_NAME, so the shared target dir reuses its artifacts), plus the
# load generator; the benchmark needs no WASM.
step "cargo build --release (server + load generator)"
LEPTOS_OUTPUT_NAME=zjcs cargo build --release --package=server --bin=server --bin=load_quotes --no-default-features >/dev/null
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD

WORK=$(mktemp -d /tmp/zjcs-bench-quotes.XXXXXX)
chmod 755 "$WORK"   # the postgres user must reach its cluster dir inside
PID=
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  ((PG)) && "$ROOT/scripts/pg.sh" stop "$WORK/pg" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
if ((PG)); then
  DB=$("$ROOT/scripts/pg.sh" start "$WORK/pg" "$(free_port)")
elif [[ "${DATABASE_URL:-}" == postgres* ]]; then
  DB=$DATABASE_URL
else
  DB="sqlite://$WORK/bench.db"
fi
PORT=$(free_port)
step "server on 127.0.0.1:$PORT with a fresh demo market (${DB%%://*}, 2,000 projects)"
"$CARGO_TARGET_DIR/release/server" --addr "127.0.0.1:$PORT" --database-url "$DB" \
  --sealing-key-file "$WORK/sealing.key" --demo --demo-projects 2000 --sign-in-per-minute 100000 \
  >"$WORK/server.log" 2>&1 &
PID=$!
wait_for_server "$PORT" "$PID" "$WORK/server.log" 120 || exit 1   # the demo market loads first
note "$(grep -m1 'demo data loaded' "$WORK/server.log" || echo 'demo data already loaded')"

# The server's resident memory (VmRSS) and its peak (VmHWM), from /proc.
memory() { awk '/^VmRSS:/ {r=$2} /^VmHWM:/ {h=$2} END {printf "RSS %.1f MiB   peak (VmHWM) %.1f MiB", r/1024, h/1024}' "/proc/$PID/status"; }
note "server memory before the load: $(memory) (peak since start)"
# reset the peak to the current RSS, so that the peak after the load is the load's own
echo 5 >"/proc/$PID/clear_refs" 2>/dev/null || note "(peak not reset: it includes the start-up)"

step "$QUOTES quotes over $CONNECTIONS connections (at most ${SECONDS_LIMIT}s), then $QUOTES raw inserts"
note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
rc=0
"$CARGO_TARGET_DIR/release/load_quotes" --base-url "http://127.0.0.1:$PORT" --database-url "$DB" \
  --quotes "$QUOTES" --concurrency "$CONNECTIONS" --seconds "$SECONDS_LIMIT" || rc=$?
note "server memory after the load:  $(memory)"
exit "$rc"
