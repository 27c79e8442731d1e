#!/usr/bin/env bash
# Prints size and start-up budgets (figures, not assertions):
#   - WASM / JS / CSS bytes of the release bundle (raw, gzip -9, brotli if available)
#   - server cold start: process start → first successful /healthz, on a fresh
#     SQLite database (migrations + reference data) and on one with the demo market
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
step "cargo leptos build --release"
cargo leptos build --release >/dev/null
PKG="$ROOT/target/site/pkg"
step "bundle sizes (release, wasm-opt -Oz)"
printf '    %-14s %10s %10s %10s\n' file raw gzip brotli
for f in "$PKG"/*.wasm "$PKG"/*.js "$PKG"/*.css; do
  [[ -f "$f" ]] || continue
  raw=$(stat -c %s "$f"); gz=$(gzip -9c "$f" | wc -c)
  br=$(command -v brotli >/dev/null && brotli -c -q 11 "$f" | wc -c || echo n/a)
  printf '    %-14s %9.1fK %9.1fK %9s\n' "$(basename "$f")" "$(echo "$raw/1024" | bc -l)" "$(echo "$gz/1024" | bc -l)" \
    "$( [[ $br == n/a ]] && echo n/a || printf '%.1fK' "$(echo "$br/1024" | bc -l)")"
done
step "server cold start"
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
cold() { # $1 label, $2 db url, rest: extra args
  local label=$1 url=$2; shift 2
  local port; port=$(free_port)
  local t0; t0=$(date +%s%N)
  "$CARGO_TARGET_DIR/release/server" --addr "127.0.0.1:$port" --database-url "$url" "$@" >"$TMP/log" 2>&1 &
  local pid=$!
  until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { cat "$TMP/log"; return 1; }
    sleep 0.01
  done
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  kill $pid; wait $pid 2>/dev/null || true
  printf '    %-48s %6d ms\n' "$label" "$ms"
}
cold "fresh database (migrate + reference data)" "sqlite://$TMP/a.db"
cold "first start with demo market (50,000 projects)" "sqlite://$TMP/b.db" --demo
cold "restart of the demo database" "sqlite://$TMP/b.db" --demo
