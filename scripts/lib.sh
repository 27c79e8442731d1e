# Shared settings for the project scripts. Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Pinned tool versions (keep wasm-bindgen equal to Cargo.lock's wasm-bindgen).
CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130
# One shared target dir outside the clone: a fresh clone reuses earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${ZJCS_CACHE:-$HOME/.cache/zjcs}/target}"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"
export LEPTOS_TAILWIND_VERSION= LEPTOS_SASS_VERSION=
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
# A TCP port on loopback that nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Installs the Debian packages not yet installed (sudo unless root).
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  step "apt-get install ${missing[*]}"
  local SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
