#!/usr/bin/env bash
# The Open Contracting Partnership's Cardinal (`ocdscardinal`, red-flag indicators on OCDS
# compiled releases), pinned, built once from source; idempotent:
#   scripts/cardinal.sh   → prints the binary's path: $ZJCS_CACHE/bin/ocdscardinal-$CARDINAL_VERSION
# Why from source: Cardinal's PyPI wheel is a Python binding with coverage() only (no
# `indicators`), and the crate is not on this machine's crates.io mirror; but its PyPI sdist
# carries the whole Rust workspace with its Cargo.lock, so pip fetches the sdist and cargo
# builds the CLI with the locked dependencies from the crates.io mirror. Its
# rust-toolchain.toml asks for nightly; stable builds it. 3.5 min on 2 cores (measured; up
# to 11 min with other builds running), once; its own target dir ($ZJCS_CACHE/cardinal-target)
# keeps it out of the project's and is removed once the binary is installed. pip fetches
# only the sdist (`--no-binary ocdscardinal`: with `:all:` pip would also build its build
# backend, maturin, from source). The unpacked sdist stays in $ZJCS_CACHE/cardinal-src
# (its docs/ define every indicator). Progress goes to stderr; stdout is only the path.
source "$(dirname "$0")/lib.sh"
CARDINAL_VERSION=0.0.8
CACHE="${ZJCS_CACHE:-$HOME/.cache/zjcs}"
BIN="$CACHE/bin/ocdscardinal-$CARDINAL_VERSION"
SRC="$CACHE/cardinal-src/ocdscardinal-$CARDINAL_VERSION"

if [[ -x $BIN ]] && "$BIN" --version 2>/dev/null | grep -q "$CARDINAL_VERSION"; then
  echo "$BIN"
  exit 0
fi

{
  step "ocdscardinal $CARDINAL_VERSION → $BIN (built from the PyPI sdist, ~4 min on 2 cores, once)"
  if [[ ! -f $SRC/Cargo.lock ]]; then
    # pip: the project's venv (scripts/pytools.sh) when it is there, else the python3 on PATH
    PY="$CACHE/py/bin/python"
    "$PY" -c '' 2>/dev/null || PY=$(command -v python3 || echo /usr/bin/python3)
    "$PY" -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    DL=$(mktemp -d)
    trap 'rm -rf "$DL"' EXIT
    "$PY" -m pip download --quiet --disable-pip-version-check --no-input --no-deps \
      --no-binary ocdscardinal -d "$DL" "ocdscardinal==$CARDINAL_VERSION"
    rm -rf "$SRC"
    mkdir -p "$(dirname "$SRC")"
    tar -xzf "$DL/ocdscardinal-$CARDINAL_VERSION.tar.gz" -C "$(dirname "$SRC")"
    [[ -f $SRC/Cargo.lock ]] || { echo "cardinal: no Cargo.lock in the ocdscardinal $CARDINAL_VERSION sdist" >&2; exit 1; }
  fi
  command -v cargo >/dev/null || { echo "cardinal: cargo not found (install Rust with rustup)" >&2; exit 1; }
  (cd "$SRC" && RUSTUP_TOOLCHAIN=stable CARGO_TARGET_DIR="$CACHE/cardinal-target" \
    cargo build --release --locked --bin ocdscardinal)
  mkdir -p "$(dirname "$BIN")"
  cp "$CACHE/cardinal-target/release/ocdscardinal" "$BIN.tmp"
  mv "$BIN.tmp" "$BIN"
  "$BIN" --version | grep -q "$CARDINAL_VERSION" || { echo "cardinal: $BIN --version is not $CARDINAL_VERSION" >&2; exit 1; }
  rm -rf "$CACHE/cardinal-target"
  note "installed: $("$BIN" --version)"
} >&2
echo "$BIN"
