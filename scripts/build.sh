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
# What host pages and visitors download is minified (esbuild): the loader
# and the widget's stylesheet here, the wasm-bindgen glue below.
esbuild www/widget.js --minify --log-level=warning --allow-overwrite --outfile="$OUT/widget.js"
esbuild www/widget/widget.css --minify --log-level=warning --allow-overwrite --outfile="$OUT/widget/widget.css"
parts="${*:-widget console edge}"
wants() { [[ " $parts " == *" $1 "* ]]; }

# Leptos apps: one target folder for release wasm builds.
# What each page imports from the app's JS glue (the rest is dropped).
declare -A uses=([widget]="default, start, seen" [console]="default")
for app in widget console; do
  wants "$app" || continue
  echo "[build] $app"
  cargo build --release --target "$TARGET" -p "openline-$app" --quiet
  wasm-bindgen --target web --no-typescript --out-dir "$OUT/$app" \
    "target/$TARGET/release/openline_$app.wasm"
  wasm="$OUT/$app/openline_${app}_bg.wasm"
  node scripts/wasm-dce.mjs "$wasm"
  # --flatten --rereloop before -Oz: ~1 KB less brotli on the widget.
  wasm-opt --flatten --rereloop -Oz -Oz --strip-debug --strip-producers "$wasm" -o "$wasm"
  (cd "$OUT/$app" && echo "export { ${uses[$app]} } from \"./openline_$app.js\";" \
    | esbuild --bundle --minify --format=esm --log-level=warning --outfile="openline_$app.min.js")
  mv "$OUT/$app/openline_$app.min.js" "$OUT/$app/openline_$app.js"
done

# The worker: its own target folder, since worker-build sets flags that
# would otherwise invalidate the cache of the builds above.
if wants edge; then
  echo "[build] edge"
  (cd edge && CARGO_TARGET_DIR="$ROOT/target/edge" worker-build --release --quiet 2>&1 \
    | grep -vE '^\s*$|Compiling|Finished' || true)
  test -f edge/build/worker/shim.mjs
  # worker-build keeps the wasm's name section (~0.3 MB of function names);
  # nothing reads it at run time, and a smaller module starts faster.
  wasm-opt --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    edge/build/index_bg.wasm -o edge/build/index_bg.wasm
fi

bash "$ROOT/scripts/size-report.sh"
