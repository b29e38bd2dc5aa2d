#!/usr/bin/env bash
# Installs every prerequisite of openline on a fresh Debian 12 machine with
# rustup and Node 20, idempotently: a second run with everything present
# takes seconds. See ../shared/TOOLCHAIN.md for why each step is as it is.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
mkdir -p .openline
log() { printf '[bootstrap] %s\n' "$*"; }

# 1. Debian packages: the browser for end-to-end tests, brotli for the size report.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v brotli >/dev/null || missing+=(brotli)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. The wasm32 target: rustup first, Debian's rustc-web as the fallback.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
   && [ ! -f .openline/toolchain.env ]; then
  log "rustup target add wasm32-unknown-unknown"
  if ! timeout 180 rustup target add wasm32-unknown-unknown; then
    log "rustup could not download the target; using Debian's rustc-web (slower builds)"
    bash "$ROOT/scripts/debian-wasm-fallback.sh"
  fi
fi

# 3. Cargo tools, at the exact versions the lockfile needs.
wbg_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if [ "$("$WASM_BINDGEN_BIN" --version 2>/dev/null | awk '{print $2}')" != "$wbg_version" ]; then
  log "cargo install wasm-bindgen-cli $wbg_version"
  cargo install wasm-bindgen-cli --version "$wbg_version" --force
fi
if ! worker-build --version 2>/dev/null | grep -qw "0.8.7"; then
  log "cargo install worker-build 0.8.7"
  cargo install --locked worker-build --version 0.8.7 --force
fi

# 4. npm packages pinned by package-lock.json (wrangler, binaryen, playwright-core, ws, axe-core, ajv).
if ! cmp -s package-lock.json node_modules/.openline-lock 2>/dev/null; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.openline-lock
fi
log "ready"
