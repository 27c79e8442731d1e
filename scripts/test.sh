#!/usr/bin/env bash
# make test: install what is missing, then run every test:
#   1. unit + integration tests on SQLite
#   2. the same integration tests on a throwaway PostgreSQL 15 cluster (loopback)
#   2b. fault tests of real server processes (scripts/fault-check.sh): kill -9 under
#      load, two instances on one PostgreSQL, the database stopped and started again
#   3. browser end-to-end tests (Playwright + Debian Chromium; desktop and phone,
#      JavaScript on and off, axe-core) against a freshly started server
#   4. the OCDS publication of those servers, validated by libcoveocds
#   4b. the public read API fuzzed by schemathesis from its OpenAPI document
#   5. the red flags (#8) compared with OCP's Cardinal run on the demo server's OCDS
#   6. backups: a SQLite online backup and a PostgreSQL pg_dump restored and checked
# Exits non-zero on any failure and prints one summary line.
source "$(dirname "$0")/lib.sh"
START=$(date +%s)
declare -a RESULTS=()
FAILED=0
record() { RESULTS+=("$1: $2"); [[ "$2" == ok ]] || FAILED=1; }
summary() {
  local secs=$(( $(date +%s) - START ))
  # stopped by an error outside the recorded steps (e.g. the setup): never "ALL PASSED"
  if (($1 != 0)) && ! ((FAILED)); then record "aborted (exit $1)" FAILED; fi
  echo
  # the failing tests' names, so the summary at the end of a long log says what broke
  grep -h -E '^test .* FAILED$|^---- .* stdout ----$|panicked at' "$WORK"/*.out 2>/dev/null | head -40 | sed 's/^/    /' || true
  grep -h -E '^ +[0-9]+\) \[|✘' "$WORK/e2e.out" 2>/dev/null | head -20 | sed 's/^/    /' || true
  note "free disk: $(df -h --output=avail "${CARGO_TARGET_DIR}" 2>/dev/null | tail -1 | xargs)"
  printf '%s\n' "${RESULTS[@]/#/    }"
  if ((FAILED)); then
    printf '\033[1;31mTEST SUMMARY: FAILED (%s) in %dm%02ds\033[0m\n' "$(printf '%s; ' "${RESULTS[@]}")" $((secs/60)) $((secs%60))
  else
    printf '\033[1;32mTEST SUMMARY: ALL PASSED (%s) in %dm%02ds\033[0m\n' "$(printf '%s; ' "${RESULTS[@]}")" $((secs/60)) $((secs%60))
  fi
}
WORK=$(mktemp -d /tmp/zjcs-test.XXXXXX)
chmod 755 "$WORK"   # the postgres user must reach its cluster dir inside
PGDIR="$WORK/pg"
SERVER_PID=
TRADING_PID=
OIDC_PID=
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
  [[ -n "$TRADING_PID" ]] && kill "$TRADING_PID" 2>/dev/null || true
  [[ -n "$OIDC_PID" ]] && kill "$OIDC_PID" 2>/dev/null || true
  "$ROOT/scripts/pg.sh" stop "$PGDIR" 2>/dev/null || true
}
trap 'rc=$?; cleanup; summary $rc; rm -rf "$WORK"' EXIT

"$ROOT/scripts/setup.sh" --test

step "unit + integration tests (SQLite)"
if cargo test -p app -p server --features app/ssr 2>&1 | tee "$WORK/sqlite.out"; then record "sqlite" ok; else record "sqlite" FAILED; fi

step "integration tests (PostgreSQL 15, throwaway cluster)"
PGPORT=$(free_port)
if PGURL=$("$ROOT/scripts/pg.sh" start "$PGDIR" "$PGPORT"); then
  if ZJCS_TEST_DATABASE="$PGURL" cargo test -p app --features ssr 2>&1 | tee "$WORK/postgres.out"; then record "postgres" ok; else record "postgres" FAILED; fi
  "$ROOT/scripts/pg.sh" stop "$PGDIR"
else
  cat "$PGDIR"/*.log 2>/dev/null | tail -20
  record "postgres" "FAILED (cluster did not start)"
fi

# real server processes: kill -9 under load (SQLite, PostgreSQL), two instances on one
# PostgreSQL, the database stopped and started under a running server
step "fault tests (scripts/fault-check.sh: crash, two instances, database down)"
if "$ROOT/scripts/fault-check.sh" 2>&1 | tee "$WORK/fault.out"; then record "fault" ok; else record "fault" FAILED; fi

step "build the app (cargo leptos build)"
if ! cargo leptos build; then record "build" FAILED; exit 1; fi
record "build" ok

step "browser end-to-end tests (Chromium: desktop + phone, JS on + off, axe)"
E2E_PORT=$(free_port)
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=DEV
# a local OpenID Connect provider standing in for the unified identity platform (统一身份认证)
OIDC_PORT=$(free_port)
node end2end/oidc-provider.mjs "$OIDC_PORT" >"$WORK/oidc.log" 2>&1 &
OIDC_PID=$!
for _ in $(seq 1 40); do grep -q ready "$WORK/oidc.log" 2>/dev/null && break; sleep 0.25; done
ZJCS_OIDC_ISSUER="http://127.0.0.1:$OIDC_PORT" ZJCS_OIDC_CLIENT_ID=zjcs-e2e ZJCS_OIDC_CLIENT_SECRET=e2e-secret \
ZJCS_OIDC_REDIRECT_URL="http://127.0.0.1:$E2E_PORT/auth/oidc/callback" \
"$CARGO_TARGET_DIR/debug/server" --addr "127.0.0.1:$E2E_PORT" --database-url "sqlite://$WORK/e2e.db" --demo \
  --sealing-key-file "$WORK/sealing.key" --api-per-minute 100000 \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
# a second server whose clock the trading tests move forward (deadlines, publicity)
# with POST /__test/clock, so the main server's clock stays true for the other specs
# (sessions last long enough to survive the jumps)
TRADING_PORT=$(free_port)
"$CARGO_TARGET_DIR/debug/server" --addr "127.0.0.1:$TRADING_PORT" --database-url "sqlite://$WORK/trading.db" --demo \
  --demo-projects 2000 --sign-in-per-minute 1000 --session-minutes 5256000 --test-clock --sealing-key-file "$WORK/trading.key" \
  >"$WORK/trading.log" 2>&1 &
TRADING_PID=$!
for _ in $(seq 1 600); do
  curl -fs --max-time 2 "http://127.0.0.1:$E2E_PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.5
done
if ! curl -fs "http://127.0.0.1:$E2E_PORT/healthz" >/dev/null; then
  cat "$WORK/server.log"; record "e2e" "FAILED (server did not start)"; exit 1
fi
for _ in $(seq 1 600); do
  curl -fs --max-time 2 "http://127.0.0.1:$TRADING_PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$TRADING_PID" 2>/dev/null || break
  sleep 0.5
done
if ! curl -fs "http://127.0.0.1:$TRADING_PORT/healthz" >/dev/null; then
  cat "$WORK/trading.log"; record "e2e" "FAILED (trading server did not start)"; exit 1
fi
grep -E 'demo data loaded|listening' "$WORK/server.log" "$WORK/trading.log" | sed 's/^/    /'
if BASE_URL="http://127.0.0.1:$E2E_PORT" TRADING_URL="http://127.0.0.1:$TRADING_PORT" npx playwright test -c end2end/playwright.config.ts 2>&1 | tee "$WORK/e2e.out"; then
  record "e2e" ok
else
  record "e2e" FAILED
fi

# the demo server's public read API (its limit raised for the fuzzer; unit tests cover the limit)
step "public read API fuzzed from its OpenAPI document (schemathesis)"
if "$ROOT/scripts/api-check.sh" "http://127.0.0.1:$E2E_PORT" 2>&1 | tee "$WORK/api.out"; then
  record "api" ok
else
  record "api" FAILED
fi

# the demo market's months, then the trading server's, whose processes the browser
# tests just took through every method to final awards
step "OCDS publication validated by libcoveocds (demo server, then trading server)"
if "$ROOT/scripts/ocds-check.sh" "http://127.0.0.1:$E2E_PORT" 2>&1 | tee "$WORK/ocds.out" \
   && "$ROOT/scripts/ocds-check.sh" "http://127.0.0.1:$TRADING_PORT" 2>&1 | tee -a "$WORK/ocds.out"; then
  record "ocds" ok
else
  record "ocds" FAILED
fi

# the demo server's red flags against `ocdscardinal indicators` on its compiled releases
step "red flags agree with OCP's Cardinal on the demo server's OCDS (scripts/cardinal-check.sh)"
if "$ROOT/scripts/cardinal-check.sh" "http://127.0.0.1:$E2E_PORT" 2>&1 | tee "$WORK/cardinal.out"; then
  record "cardinal" ok
else
  record "cardinal" FAILED
fi

step "backup and restore: SQLite online backup, PostgreSQL pg_dump (scripts/backup-check.sh)"
if "$ROOT/scripts/backup-check.sh" 2>&1 | tee "$WORK/backup.out"; then
  record "backup" ok
else
  record "backup" FAILED
fi
exit $FAILED
