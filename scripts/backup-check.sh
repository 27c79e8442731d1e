#!/usr/bin/env bash
# Backup and restore, end to end with the built server (run by `make test` after
# the build; by hand: scripts/backup-check.sh):
#   SQLite      `server backup --to F` while the server runs and answers requests,
#               `server restore --from F` into another database file, then the
#               restored database's row counts equal the backup's, its audit
#               trail's hash chain verifies, and a server starts on it and serves.
#   PostgreSQL  the documented procedure: `pg_dump -Fc` of a database holding the
#               demo market, `pg_restore` into a new database, the same checks.
# Exits non-zero on any difference.
source "$(dirname "$0")/lib.sh"
SERVER="$CARGO_TARGET_DIR/debug/server"
PGBIN=/usr/lib/postgresql/15/bin
[[ -x "$SERVER" ]] || { echo "build the server first (cargo leptos build)" >&2; exit 1; }
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=DEV
WORK=$(mktemp -d /tmp/zjcs-backup.XXXXXX)
chmod 755 "$WORK"   # the postgres user must reach its cluster dir inside
PID=
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  "$ROOT/scripts/pg.sh" stop "$WORK/pg" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Starts the server on $1 (database URL) and waits for /readyz (the database answers).
serve() {
  local port; port=$(free_port)
  "$SERVER" --addr "127.0.0.1:$port" --database-url "$1" --sealing-key-file "$WORK/sealing.key" "${@:2}" >"$WORK/server.log" 2>&1 &
  PID=$!
  PORT=$port
  wait_for_server "$port" "$PID" "$WORK/server.log" 120 /readyz   # the demo market loads first
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
# The "  table  rows" lines a backup / restore prints.
counts() { grep -E '^  [a-z_]+ +[0-9]+$' "$1" | awk '{print $1, $2}'; }

step "SQLite: online backup while the server answers requests"
serve "sqlite://$WORK/live.db" --demo --demo-projects 300
# requests keep coming while the snapshot is taken (bounded: 200 requests or 60 s)
timeout 60 bash -c "for _ in \$(seq 1 200); do curl -fs --max-time 5 http://127.0.0.1:$PORT/announcements >/dev/null || true; done" &
LOAD=$!
"$SERVER" --database-url "sqlite://$WORK/live.db" backup --to "$WORK/snapshot.db" | tee "$WORK/backup.out"
wait $LOAD || true
stop
"$SERVER" --database-url "sqlite://$WORK/restored.db" restore --from "$WORK/snapshot.db" | tee "$WORK/restore.out"
if [[ "$(counts "$WORK/backup.out")" != "$(counts "$WORK/restore.out")" ]] || [[ -z "$(counts "$WORK/backup.out")" ]]; then
  echo "the restored database differs from the backup" >&2; exit 1
fi
"$SERVER" --database-url "sqlite://$WORK/restored.db" audit-verify
serve "sqlite://$WORK/restored.db"
curl -fs --max-time 10 "http://127.0.0.1:$PORT/announcements" | grep -q 'href="/announcements/' || { echo "the restored server does not serve its announcements" >&2; exit 1; }
stop
note "SQLite backup restored: same rows, audit chain intact, served"

step "PostgreSQL: pg_dump -Fc, pg_restore into a new database"
PGURL=$("$ROOT/scripts/pg.sh" start "$WORK/pg" "$(free_port)")
BASE=${PGURL%/postgres}
"$PGBIN/psql" -q "$PGURL" -c "CREATE DATABASE live" -c "CREATE DATABASE restored"
"$SERVER" --database-url "$BASE/live" --sealing-key-file "$WORK/sealing.key" demo --demo-projects 300 >/dev/null
"$PGBIN/pg_dump" -Fc -f "$WORK/live.dump" "$BASE/live"
"$PGBIN/pg_restore" --no-owner --exit-on-error -d "$BASE/restored" "$WORK/live.dump"
for db in live restored; do
  for t in users firms procurements contracts payments audit_log; do
    printf '%s %s\n' "$t" "$("$PGBIN/psql" -tA "$BASE/$db" -c "SELECT COUNT(*) FROM $t")"
  done >"$WORK/$db.counts"
done
cat "$WORK/restored.counts" | sed 's/^/    /'
cmp -s "$WORK/live.counts" "$WORK/restored.counts" || { diff "$WORK/live.counts" "$WORK/restored.counts"; echo "the restored database differs" >&2; exit 1; }
"$SERVER" --database-url "$BASE/restored" audit-verify
serve "$BASE/restored"
curl -fs --max-time 10 "http://127.0.0.1:$PORT/announcements" >/dev/null || { echo "the restored server does not serve" >&2; exit 1; }
stop
note "PostgreSQL dump restored: same rows, audit chain intact, served"
