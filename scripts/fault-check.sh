#!/usr/bin/env bash
# make fault-check: fault tests of real server processes (issue #10), printing what
# was checked and exiting non-zero on any failure:
#   1. crash: kill -9 under concurrent quotes and contract signatures, restart on the
#      same database, at least 20 times (SQLite, then PostgreSQL): every acknowledged
#      write present exactly once, nothing half-done, integrity and audit chain intact
#   2. two instances on one PostgreSQL: shared sessions, live updates across
#      instances, each draw / bid opening exactly once with both schedulers running
#   3. database down: the PostgreSQL cluster stops under a running server (clear
#      "unavailable" answers, no crash, no hang) and comes back (no server restart)
#   scripts/fault-check.sh [--kills 20] [--seed N] [--parts crash-sqlite,crash-pg,two-instances,db-down]
# FAULT_KEEP=1 keeps the scratch directory (databases and server logs).
source "$(dirname "$0")/lib.sh"

# the debug server as `cargo leptos build` builds it (same flags and LEPTOS_OUTPUT_NAME,
# so the shared target dir reuses its artifacts), plus the fault tester; no WASM needed
step "cargo build (debug server + fault_check)"
LEPTOS_OUTPUT_NAME=zjcs cargo build --package=server --bin=server --bin=fault_check --no-default-features
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=DEV
export RUST_LOG="${RUST_LOG:-warn}"

WORK=$(mktemp -d /tmp/zjcs-fault.XXXXXX)
chmod 755 "$WORK"   # the postgres user must reach its cluster dir inside
cleanup() {
  "$ROOT/scripts/pg.sh" stop "$WORK/pg" 2>/dev/null || true
  if [[ "${FAULT_KEEP:-0}" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

step "fault tests: crash (kill -9), two instances, database down"
"$CARGO_TARGET_DIR/debug/fault_check" --server-bin "$CARGO_TARGET_DIR/debug/server" \
  --pg-script "$ROOT/scripts/pg.sh" --work-dir "$WORK" "$@"
