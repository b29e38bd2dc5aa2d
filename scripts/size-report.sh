#!/usr/bin/env bash
# Prints what each piece costs over the wire: raw, gzip -9 and brotli -q 11
# bytes, then checks the size budgets: a piece over its budget fails the
# script (and so `make build` and `make test`). Run after scripts/build.sh.
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
  LAST_RAW=$raw LAST_BR=$br
}
over=0
budget() { # label, measured, limit, unit
  if [ "$2" -gt "$3" ]; then
    printf 'budget: %-30s %8d > %8d %s  OVER\n' "$1" "$2" "$3" "$4"
    over=1
  else
    printf 'budget: %-30s %8d ≤ %8d %s\n' "$1" "$2" "$3" "$4"
  fi
}
echo "== openline size report (bytes) =="
printf '%-34s %10s %10s %10s\n' "piece" "raw" "gzip" "brotli"
row "loader widget.js (host page pays)" "$W/widget.js"; loader_br=$LAST_BR
row "widget wasm" "$W/widget/openline_widget_bg.wasm"
row "widget JS glue" "$W/widget/openline_widget.js"
row "widget CSS" "$W/widget/widget.css"
row "widget after opening (total)" "$W/widget/openline_widget_bg.wasm" "$W/widget/openline_widget.js" "$W/widget/widget.css"; widget_br=$LAST_BR
row "console (wasm + JS + CSS + HTML)" "$W/console/openline_console_bg.wasm" "$W/console/openline_console.js" "$W/console/console.css" "$W/console/index.html" "$W/console/boot.js"; console_br=$LAST_BR
row "console what-if module (on demand)" "$W/console/what-if/openline_simulator_bg.wasm" "$W/console/what-if/openline_simulator.js"; what_if_br=$LAST_BR
row "edge wasm" edge/build/worker/index_bg.wasm 2>/dev/null || row "edge wasm" edge/build/index_bg.wasm
edge_raw=$LAST_RAW

# Budgets (docs/perf.md says why each is where it is). The host page pays
# for the loader on every view and for the widget when the chat opens.
budget "loader (brotli)" "$loader_br" 2048 B
budget "widget after opening (brotli)" "$widget_br" 76800 B
budget "console (brotli)" "$console_br" 512000 B
budget "console what-if (brotli)" "$what_if_br" 204800 B
budget "edge wasm (raw)" "$edge_raw" 1887437 B
if [ "$over" = 1 ]; then
  echo "size-report: a piece is over its budget (above)" >&2
  exit 1
fi
