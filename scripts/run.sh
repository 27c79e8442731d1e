#!/usr/bin/env bash
# make run: install what is missing, build (release), serve with SQLite + demo data.
# Extra arguments go to the server, e.g. scripts/run.sh --addr 0.0.0.0:8080, or --help.
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/setup.sh"
step "cargo leptos build --release (first time ~15 min on 2 cores; later incremental)"
cargo leptos build --release
export LEPTOS_OUTPUT_NAME=zjcs LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD
export DATABASE_URL="${DATABASE_URL:-sqlite://$ROOT/data/zjcs.db}"
step "serve (DATABASE_URL=$DATABASE_URL); demo data is loaded on first start only"
exec "$CARGO_TARGET_DIR/release/server" --demo "$@"
