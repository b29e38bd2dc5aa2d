#!/usr/bin/env bash
# Prints what each piece costs over the wire: raw, gzip -9 and brotli -q 11
# bytes. Run after scripts/build.sh.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
W="dist/www"
row() { # label, files...
  local label=$1; shift
  local raw=0 gz=0 br=0 f
  for f in "$@"; do
    [ -f "$f" ] || { echo "size-report: missing $f (run scripts/build.sh)" >&2; return 1; }
    raw=$((raw + $(wc -c <"$f")))
    gz=$((gz + $(gzip -9 -c "$f" | wc -c)))
    br=$((br + $(brotli -q 11 -c "$f" | wc -c)))
  done
  printf '%-34s %10d %10d %10d\n' "$label" "$raw" "$gz" "$br"
}
echo "== openline size report (bytes) =="
printf '%-34s %10s %10s %10s\n' "piece" "raw" "gzip" "brotli"
row "loader widget.js (host page pays)" "$W/widget.js"
row "widget wasm" "$W/widget/openline_widget_bg.wasm"
row "widget JS glue" "$W/widget/openline_widget.js"
row "widget CSS" "$W/widget/widget.css"
row "widget after opening (total)" "$W/widget/openline_widget_bg.wasm" "$W/widget/openline_widget.js" "$W/widget/widget.css"
row "console (wasm + JS + CSS + HTML)" "$W/console/openline_console_bg.wasm" "$W/console/openline_console.js" "$W/console/console.css" "$W/console/index.html" "$W/console/boot.js"
row "edge wasm" edge/build/worker/index_bg.wasm 2>/dev/null || row "edge wasm" edge/build/index_bg.wasm
