#!/usr/bin/env bash
# Prints latency figures of the public firm directory on a large register
# (default 100,000 firms, SQLite, release build): full server-rendered pages,
# sequential requests on loopback, p50 / p99 / max in ms. Figures, not assertions.
#   scripts/bench-directory.sh [FIRMS] [REQUESTS_PER_URL]
source "$(dirname "$0")/lib.sh"
FIRMS=${1:-100000}; N=${2:-40}
"$ROOT/scripts/setup.sh"
step "cargo leptos build --release"
cargo leptos build --release >/dev/null
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD
DB="${ZJCS_CACHE:-$HOME/.cache/zjcs}/bench-directory-$FIRMS.db"
if [[ ! -f "$DB" ]]; then
  step "demo market with $FIRMS firms (once; kept in $DB)"
  "$CARGO_TARGET_DIR/release/server" --database-url "sqlite://$DB" --demo-firms "$FIRMS" --demo-projects 50000 demo
fi
PORT=$(free_port)
"$CARGO_TARGET_DIR/release/server" --addr "127.0.0.1:$PORT" --database-url "sqlite://$DB" >/dev/null 2>&1 &
PID=$!; trap 'kill $PID 2>/dev/null' EXIT
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.1; done
step "directory pages, $N sequential requests each ($FIRMS firms)"
python3 - "$PORT" "$N" <<'PY'
import sys, time, urllib.request, urllib.parse
port, n = sys.argv[1], int(sys.argv[2])
urls = ["/firms", "/firms?q=" + urllib.parse.quote("华信"), "/firms?item=ZJFW-026",
        "/firms?region=510100&sort=name", "/firms?grade=" + urllib.parse.quote("甲级") + "&page=50",
        "/firms?department=HJBM&sort=newest", "/items", "/"]
print(f"    {'page':44} {'p50':>8} {'p99':>8} {'max':>8}")
for u in urls:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{u}") as r:
            r.read()
            assert r.status == 200, (u, r.status)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"    {u:44} {p(0.5):7.1f}ms {p(0.99):7.1f}ms {times[-1]:7.1f}ms")
PY
