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
# Waits until the server PID answers PATH (default /healthz) on loopback PORT,
# polling every 0.1 s for at most SECONDS; when it does not (or the process ended),
# prints the end of LOG and returns 1.
#   wait_for_server PORT PID LOG SECONDS [PATH]
wait_for_server() {
  local port=$1 pid=$2 log=$3 tries=$(( $4 * 10 )) path=${5:-/healthz}
  for _ in $(seq 1 "$tries"); do
    curl -fs --max-time 2 "http://127.0.0.1:$port$path" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$log"; echo "the server did not start" >&2; return 1
}
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
