# Sourced by the other scripts: where the project's tools live, and the
# settings that keep every build offline and reproducible.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$ROOT/node_modules/.bin:$PATH"
# worker-build would download these from the network; give it ours.
export WASM_BINDGEN_BIN="$CARGO_HOME/bin/wasm-bindgen"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild"
export WRANGLER_SEND_METRICS=false
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The Debian fallback of scripts/bootstrap.sh leaves its settings here.
if [ -f "$ROOT/.openline/toolchain.env" ]; then
  # shellcheck disable=SC1091
  . "$ROOT/.openline/toolchain.env"
fi
