#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster on loopback for tests.
#   scripts/pg.sh start DIR PORT   → prints the server URL (postgres://zjcs@127.0.0.1:PORT/postgres)
#   scripts/pg.sh stop DIR
#   scripts/pg.sh pause DIR          → stops the cluster but keeps its data (the fault tests: database down)
#   scripts/pg.sh resume DIR PORT    → starts a paused cluster again on the same data and port
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
cmd=$1 dir=$2
as_pg=()
if [[ $(id -u) -eq 0 ]]; then as_pg=(su postgres -c); fi
run() { if ((${#as_pg[@]})); then "${as_pg[@]}" "$*"; else bash -c "$*"; fi; }
pg_start() {
  run "$BIN/pg_ctl -D '$dir/data' -l '$dir/server.log' -o \"-p $1 -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" -w start >/dev/null"
}
case "$cmd" in
  start)
    port=$3
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then chown -R postgres "$dir"; fi
    run "$BIN/initdb -D '$dir/data' -U zjcs --auth=trust -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1"
    pg_start "$port"
    echo "postgres://zjcs@127.0.0.1:$port/postgres"
    ;;
  pause)
    run "$BIN/pg_ctl -D '$dir/data' -m fast -w stop >/dev/null"
    ;;
  resume)
    pg_start "$3"
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then
      if [[ $(id -u) -eq 0 ]]; then su postgres -c "$BIN/pg_ctl -D '$dir/data' -m fast -w stop" >/dev/null || true
      else "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR | pause DIR | resume DIR PORT" >&2; exit 2 ;;
esac
