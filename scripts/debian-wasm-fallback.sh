#!/usr/bin/env bash
# Fallback for machines where rustup cannot download the wasm32 target
# (../shared/TOOLCHAIN.md §1): Debian's rustc-web with std built from source
# and linked by wasm-ld. Leaves its settings in .openline/toolchain.env,
# which scripts/env.sh reads. Builds are 1.5–2× slower on this path.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-security rustc-web cargo-web rust-web-src
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq lld-22 || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-security lld-22

# worker-build asks rustc for the wasm32 target-libdir, which Debian's rustc
# lacks: a private sysroot with an empty one, and a wrapper pointing at it.
SYSROOT="$ROOT/.openline/sysroot"
mkdir -p "$SYSROOT/lib/rustlib/wasm32-unknown-unknown/lib" "$ROOT/.openline/bin"
for d in x86_64-unknown-linux-gnu src etc; do
  [ -e "/usr/lib/rustlib/$d" ] && ln -sfn "/usr/lib/rustlib/$d" "$SYSROOT/lib/rustlib/$d"
done
cat > "$ROOT/.openline/bin/rustc" <<WRAP
#!/bin/sh
exec /usr/bin/rustc --sysroot "$SYSROOT" "\$@"
WRAP
chmod +x "$ROOT/.openline/bin/rustc"
cat > "$ROOT/.openline/toolchain.env" <<ENV
export RUSTC="$ROOT/.openline/bin/rustc"
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22
ENV
echo "[bootstrap] Debian wasm32 fallback ready (.openline/toolchain.env)"
