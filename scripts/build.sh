#!/usr/bin/env bash
# Builds everything that is served: the edge worker (worker-build), the
# widget and the console (cargo → wasm-bindgen → wasm-opt), and the static
# site in dist/www; then prints the size report.
# `build.sh console` (or `widget`, `edge`, in any combination) rebuilds only
# those parts, for quick iterations; no argument builds everything.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
TARGET=wasm32-unknown-unknown
OUT="$ROOT/dist/www"
mkdir -p "$OUT"
cp -R www/. "$OUT/"
# What host pages, visitors and operators download is minified (esbuild):
# the loader and the stylesheets here, the wasm-bindgen glue below.
esbuild www/widget.js --minify --log-level=warning --allow-overwrite --outfile="$OUT/widget.js"
esbuild www/widget/widget.css --minify --log-level=warning --allow-overwrite --outfile="$OUT/widget/widget.css"
# The console's stylesheet too (−0.5 KB brotli of the console's budget).
esbuild www/console/console.css --minify --log-level=warning --allow-overwrite --outfile="$OUT/console/console.css"
parts="${*:-widget console edge}"
wants() { [[ " $parts " == *" $1 "* ]]; }

# BUILD_IF_CHANGED=1 (what `make dev` sets): a part whose inputs have not
# changed since its last build, and whose output is there, is not rebuilt.
# Its fingerprint is the SHA-256 over the content of every file in its
# source folders (tracked or untracked, not ignored), the lockfile and
# manifests, this script, and the toolchain's versions; it is kept in
# .openline/built-PART after a successful build. Without a git checkout
# every part is built.
declare -A inputs=([widget]="core widget" [console]="core console" [simulator]="core simulator" [edge]="core edge")
declare -A output=([widget]="$OUT/widget/openline_widget_bg.wasm"
  [console]="$OUT/console/openline_console_bg.wasm"
  [simulator]="$OUT/console/what-if/openline_simulator_bg.wasm" [edge]="edge/build/worker/shim.mjs")
fingerprint() {
  {
    rustc -V; "$WASM_BINDGEN_BIN" --version 2>/dev/null || true
    sha256sum Cargo.lock Cargo.toml scripts/build.sh scripts/wasm-dce.mjs
    # shellcheck disable=SC2086
    git ls-files -z -co --exclude-standard -- ${inputs[$1]} | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}
unchanged() {
  [ -n "${BUILD_IF_CHANGED:-}" ] && git rev-parse --is-inside-work-tree >/dev/null 2>&1 \
    && [ -f "${output[$1]}" ] && [ "$(cat ".openline/built-$1" 2>/dev/null)" = "$(fingerprint "$1")" ]
}
rebuilt=0
built() {
  rebuilt=1
  git rev-parse --is-inside-work-tree >/dev/null 2>&1 || return 0
  mkdir -p .openline && fingerprint "$1" > ".openline/built-$1"
}

# Browser modules (the Leptos apps, and the console's what-if replay, which
# it loads only when used): one target folder for release wasm builds.
# What each page imports from the module's JS glue (the rest is dropped),
# and where it is served.
declare -A uses=([widget]="default, start, seen" [console]="default" [simulator]="default, replay")
declare -A dir=([widget]=widget [console]=console [simulator]=console/what-if)
# The console's part builds its what-if module too.
if wants console; then parts="$parts simulator"; fi
for app in widget console simulator; do
  wants "$app" || continue
  if unchanged "$app"; then echo "[build] $app: unchanged since its last build"; continue; fi
  echo "[build] $app"
  cargo build --release --target "$TARGET" -p "openline-$app" --quiet
  wasm-bindgen --target web --no-typescript --out-dir "$OUT/${dir[$app]}" \
    "target/$TARGET/release/openline_$app.wasm"
  wasm="$OUT/${dir[$app]}/openline_${app}_bg.wasm"
  node scripts/wasm-dce.mjs "$wasm"
  # --flatten --rereloop before -Oz: ~1 KB less brotli on the widget.
  wasm-opt --flatten --rereloop -Oz -Oz --strip-debug --strip-producers "$wasm" -o "$wasm"
  # The console, the largest: whole-program type flow (--gufa) and -Oz
  # until nothing changes: ~1.7 KB less brotli for ~40 s of build; the
  # widget and the worker gain under 0.2 % from it (docs/perf.md).
  if [ "$app" = console ]; then
    wasm-opt --gufa -Oz --converge "$wasm" -o "$wasm"
  fi
  (cd "$OUT/${dir[$app]}" && echo "export { ${uses[$app]} } from \"./openline_$app.js\";" \
    | esbuild --bundle --minify --format=esm --log-level=warning --outfile="openline_$app.min.js")
  mv "$OUT/${dir[$app]}/openline_$app.min.js" "$OUT/${dir[$app]}/openline_$app.js"
  built "$app"
done

# The worker: its own target folder, since worker-build sets flags that
# would otherwise invalidate the cache of the builds above.
if wants edge && unchanged edge; then
  echo "[build] edge: unchanged since its last build"
elif wants edge; then
  echo "[build] edge"
  # A failed build stops here (an older build's files would otherwise pass
  # for this one); its output is shown either way, without the noise.
  edge_log="$ROOT/.openline/edge-build.log"
  edge_ok=1
  (cd edge && CARGO_TARGET_DIR="$ROOT/target/edge" worker-build --release --quiet) >"$edge_log" 2>&1 || edge_ok=0
  grep -vE '^\s*$|Compiling|Finished' "$edge_log" || true
  if [ "$edge_ok" = 0 ]; then
    echo "[build] edge: the build failed (above)" >&2
    exit 1
  fi
  test -f edge/build/worker/shim.mjs
  # worker-build keeps the wasm's name section (~0.3 MB of function names);
  # nothing reads it at run time, and a smaller module starts faster.
  # -Oz: 2 % less code for ~16 s of build (docs/perf.md).
  wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    edge/build/index_bg.wasm -o edge/build/index_bg.wasm
  built edge
fi

# The size report (and its budgets) after every build; nothing new to
# measure when every part was unchanged.
if [ -z "${BUILD_IF_CHANGED:-}" ] || [ "$rebuilt" = 1 ]; then
  bash "$ROOT/scripts/size-report.sh"
fi
