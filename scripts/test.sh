#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting,
# clippy, the native tests (the core, and the widget's pure logic), the
# wasm builds, and the end-to-end suite against a real `wrangler dev`
# (workerd) in headless Chromium.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/bootstrap.sh
start=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (native core and widget tests, wasm crates)"
cargo clippy -p openline-core -p openline-loadgen -p openline-widget -p openline-simulator --all-targets --quiet -- -D warnings
cargo clippy -p openline-core --features schema --bin openapi --quiet -- -D warnings
cargo clippy --target wasm32-unknown-unknown -p openline-core -p openline-edge -p openline-widget -p openline-console -p openline-simulator --quiet -- -D warnings

# The workspace's default member is the core only; the widget's
# conversation logic (widget/src/conversation.rs) is tested natively too.
# docs/openapi.json's schemas are generated from the Rust types
# (core/src/bin/openapi.rs); a hand edit or a changed type without
# `make openapi` fails here.
step "API description matches the Rust types"
cargo run -q -p openline-core --features schema --bin openapi -- --check docs/openapi.json

step "core and widget tests (native)"
cargo test -p openline-core -p openline-widget -p openline-simulator --quiet 2>&1

step "build (edge, widget, console, site)"
bash scripts/build.sh

step "end-to-end tests (wrangler dev + Chromium)"
node --test --test-concurrency=1 tests/e2e/
