#!/usr/bin/env bash
# Prints how fast the statistics dashboard answers from its summary tables on a
# large generated market, beside a naive GROUP BY over the raw tables giving the
# same answer (p50 / p95 ms, the ratio naive p95 ÷ summary p95, and whether both
# answers are equal), then the dashboard route's extra download in KB gzip.
# Figures, not assertions; not part of `make test` or CI.
#   scripts/bench-dashboard.sh [PROJECTS] [RUNS]      (default 1000000 50; SQLite)
#       The market is generated once (`server demo`) into
#       ~/.cache/zjcs/bench-dashboard-PROJECTS.db and reused by later runs; delete
#       the file to regenerate. Measured on 2 shared cores: 1,000,000 projects
#       in 7.2 min (a 1.7 GB file), 100,000 in under 3 min.
#   scripts/bench-dashboard.sh --pg [PROJECTS] [RUNS]  (a throwaway PostgreSQL 15
#       cluster, scripts/pg.sh, fsync=off; generated afresh every run: 100,000
#       projects in 71 s)
#   DATABASE_URL=postgres://user@host:port/db scripts/bench-dashboard.sh [PROJECTS]
#       (a database already holding a demo market is used as it is, whatever its
#       size; an empty one gets PROJECTS projects and keeps them)
#   BENCH_DASHBOARD_ARGS="--only city --naive-runs 3" …   extra bench_dashboard options
#   BENCH_DASHBOARD_NO_BUILD=1 …   use the release binaries already in the target dir
#   scripts/bench-dashboard.sh --sizes-only   only the download sizes (no build, no database)
# Views: province (operator), a city (510100, leader scope), a county (510104),
# industry ZJ, service item ZJFW-011 (reads stats_daily), method
# price_competition, quarter grain over 24 months, year grain over 36 months, a
# 60-month range; "now" is the market's generation time. Each view: 3 warm-up
# and RUNS timed `app::db::stats::dashboard` calls (every query of the page);
# naive: one untimed run whose answer is compared (totals, trend, regions,
# methods, industries: all twelve measures), then at most 5 timed runs or 60 s.
# Download: the files in target/site as the last `cargo leptos build` left them
# (the script says whether that was a release build; `cargo leptos build
# --release` first for release figures), gzip -9.
source "$(dirname "$0")/lib.sh"
PG=0 SIZES_ONLY=0
if [[ "${1:-}" == "--pg" ]]; then PG=1; shift; fi
if [[ "${1:-}" == "--sizes-only" ]]; then SIZES_ONLY=1; shift; fi
PROJECTS=${1:-1000000}; RUNS=${2:-50}
CACHE="${ZJCS_CACHE:-$HOME/.cache/zjcs}"

sizes() {
  step "the dashboard route's extra download (raw and gzip -9, KB = 1024 bytes)"
  python3 - "$ROOT" <<'PY'
import gzip, os, sys, time
root = sys.argv[1]
site = os.path.join(root, "target/site")
def first(*paths):
    for p in paths:
        if os.path.isfile(p):
            return p
    return None
def kb(n): return n / 1024
def size(path):
    raw = open(path, "rb").read()
    return len(raw), len(gzip.compress(raw, 9))
def custom_sections(path):
    # name → size of the wasm custom sections: a release build (wasm-opt -Oz)
    # carries no .debug_* and no large "name" section
    data = open(path, "rb").read()
    i, names = 8, []
    def leb(i):
        v = s = 0
        while True:
            b = data[i]; i += 1
            v |= (b & 0x7F) << s; s += 7
            if b < 0x80: return v, i
    while i < len(data):
        sid = data[i]; i += 1
        n, i = leb(i)
        if sid == 0:
            ln, j = leb(i)
            names.append((data[j:j + ln].decode("utf-8", "replace"), n))
        i += n
    return names
def row(label, path, served):
    r, g = size(path)
    print(f"    {label:46} {kb(r):9.1f} KB {kb(g):9.1f} KB   {served}")
    return r, g
print(f"    {'file':46} {'raw':>12} {'gzip -9':>12}   served as")
pkg = os.path.join(site, "pkg")
wasm = first(os.path.join(pkg, "zjcs.wasm"), os.path.join(pkg, "zjcs_bg.wasm"))
shared = [0, 0]
if wasm:
    js = [os.path.join(pkg, "zjcs.js")]
    for d, _, files in os.walk(os.path.join(pkg, "snippets")):
        js += [os.path.join(d, f) for f in sorted(files) if f.endswith(".js")]
    for p in [wasm] + [p for p in js if os.path.isfile(p)]:
        r, g = row(os.path.relpath(p, site), p, "/" + os.path.relpath(p, site))
        shared[0] += r; shared[1] += g
    debug = any(n.startswith(".debug") or (n == "name" and ln > 1 << 20) for n, ln in custom_sections(wasm))
    built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(wasm)))
    kind = "a DEBUG build (cargo leptos build without --release: far larger than release)" if debug else "a release build"
    print(f"    {'= hydrate WASM + JS glue':46} {kb(shared[0]):9.1f} KB {kb(shared[1]):9.1f} KB   shared by every route, not dashboard-only")
    print(f"      ({os.path.relpath(wasm, root)} of {built}: {kind})")
else:
    print("    (no target/site/pkg/zjcs.wasm: run `cargo leptos build --release` for the WASM figures)")
only = [0, 0]
for label, rel in [("vendor/echarts.min.js", "vendor/echarts.min.js"), ("vendor/maps/sichuan.json", "vendor/maps/sichuan.json")]:
    p = first(os.path.join(site, rel), os.path.join(root, "public", rel))
    if not p:
        print(f"    {label:46} missing: run scripts/setup.sh")
        continue
    r, g = row(os.path.relpath(p, root), p, "/" + rel)
    only[0] += r; only[1] += g
print(f"    {'= dashboard route only':46} {kb(only[0]):9.1f} KB {kb(only[1]):9.1f} KB   ECharts + the Sichuan map, fetched only by chart pages (the map: province view)")
PY
}
if ((SIZES_ONLY)); then sizes; exit 0; fi

# The release server as `cargo leptos build --release` builds it (same flags and
# LEPTOS_OUTPUT_NAME, so the shared target dir reuses its artifacts), plus the
# bench binary; the benchmark itself needs no WASM.
if [[ -n "${BENCH_DASHBOARD_NO_BUILD:-}" ]]; then
  step "using the release binaries already built (BENCH_DASHBOARD_NO_BUILD)"
else
  step "cargo build --release (server + bench_dashboard)"
  LEPTOS_OUTPUT_NAME=zjcs cargo build --release --package=server --bin=server --bin=bench_dashboard --no-default-features >/dev/null
fi
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD
SERVER="$CARGO_TARGET_DIR/release/server"

WORK=$(mktemp -d /tmp/zjcs-bench-dashboard.XXXXXX)
chmod 755 "$WORK"   # the postgres user must reach its cluster dir inside
cleanup() {
  ((PG)) && "$ROOT/scripts/pg.sh" stop "$WORK/pg" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Generates the demo market with $PROJECTS projects into database $1 (`server demo`:
# firms, owners, projects, registrations, awards, contracts, ratings, then the
# summary tables rebuilt set-based); prints the time it took.
generate() {
  local db=$1 log=$2
  note "generating $PROJECTS projects (log: $log)"
  local t0=$SECONDS
  if ! "$SERVER" --database-url "$db" --sealing-key-file "$WORK/sealing.key" --demo-projects "$PROJECTS" demo >"$log" 2>&1; then
    if grep -q "already loaded" "$log"; then note "the database already holds a demo market: used as it is"; return 0; fi
    tail -20 "$log"; echo "generating the demo market failed" >&2; exit 1
  fi
  note "$(grep -m1 'demo data loaded' "$log" || true)"
  note "generated in $((SECONDS - t0)) s (wall clock, including migrations)"
}

if ((PG)); then
  DB=$("$ROOT/scripts/pg.sh" start "$WORK/pg" "$(free_port)")
  step "demo market with $PROJECTS projects in a throwaway PostgreSQL 15 cluster"
  generate "$DB" "$WORK/generate.log"
elif [[ "${DATABASE_URL:-}" == postgres* ]]; then
  DB=$DATABASE_URL
  step "demo market with $PROJECTS projects in ${DB%%@*}@… (unless one is loaded already)"
  generate "$DB" "$WORK/generate.log"
else
  mkdir -p "$CACHE"
  FILE="$CACHE/bench-dashboard-$PROJECTS.db"
  DB="sqlite://$FILE"
  if [[ ! -f "$FILE" ]]; then
    step "demo market with $PROJECTS projects (once; kept in $FILE)"
    # generated under another name and renamed when complete, so an interrupted
    # run never leaves a half-loaded market behind to be reused
    PARTIAL="$CACHE/bench-dashboard-$PROJECTS.partial.db"
    rm -f "$PARTIAL" "$PARTIAL-wal" "$PARTIAL-shm"
    # Planner statistics for the empty contracts table before the load: without
    # them SQLite runs the loader's `UPDATE firms SET completed_count = (SELECT
    # COUNT(*) FROM contracts c WHERE c.firm_id = firms.id AND c.status =
    # 'completed')` through a status index, i.e. firms x completed contracts
    # (1,000,000 projects: 40,000 x ~700,000, hours). Only the plan changes, not
    # the data; the loader's own ANALYZE replaces these figures at the end.
    "$SERVER" --database-url "sqlite://$PARTIAL" migrate >/dev/null
    python3 - "$PARTIAL" <<'PYSTATS'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("ANALYZE")   # creates sqlite_stat1
c.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'contracts'")
c.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('contracts', ?, ?)", [
    ("contracts_firm", "1000000 25"), ("contracts_status", "1000000 160000"),
    ("contracts_sign_due", "1000000 160000 160000"), ("contracts_owner", "1000000 35 13"),
    ("contracts_procurement", "1000000 1"), ("contracts_live", "1000000 1"), ("contracts_code", "1000000 1")])
c.commit(); c.close()
PYSTATS
    generate "sqlite://$PARTIAL" "$CACHE/bench-dashboard-$PROJECTS.log"
    # fold the WAL into the file (the last connection to close does), then rename
    python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()' "$PARTIAL"
    rm -f "$PARTIAL-wal" "$PARTIAL-shm"
    mv "$PARTIAL" "$FILE"
  else
    step "demo market with $PROJECTS projects: reusing $FILE ($(du -h "$FILE" | cut -f1))"
    [[ -f "$CACHE/bench-dashboard-$PROJECTS.log" ]] && note "$(grep -m1 'demo data loaded' "$CACHE/bench-dashboard-$PROJECTS.log" || true)"
  fi
fi

step "dashboard views: summary tables vs naive GROUP BY over the raw tables (${DB%%://*})"
note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"$CARGO_TARGET_DIR/release/bench_dashboard" --database-url "$DB" --runs "$RUNS" ${BENCH_DASHBOARD_ARGS:-} || status=$?
sizes
exit "${status:-0}"
