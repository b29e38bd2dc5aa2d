#!/usr/bin/env bash
# One load run against a fresh local edge: starts `wrangler dev` (workerd)
# on an empty state, seeds the demo accounts, runs the load generator with
# the given options, and stops the edge. Holds /tmp/openline-heavy.lock for
# the whole run so that other heavy work does not disturb the figures.
#
#   loadgen/bench.sh --dialogs 100 --ramp-s 10            # the edge of this tree
#   EDGE_DIR=/elsewhere/edge loadgen/bench.sh --dialogs 1  # a copied, built edge
#
# Env: EDGE_DIR (default ROOT/edge; it must be built: build/worker/shim.mjs
# and ../dist/www), PORT (8791), STATE (/tmp/lg-bench-PORT, wiped first),
# LOADGEN (default ROOT/target/release/openline-loadgen; build it with
# `cargo build --release -p openline-loadgen`), LOG (wrangler's output).
set -euo pipefail
if [ -z "${LG_LOCKED:-}" ]; then
  LG_LOCKED=1 exec flock /tmp/openline-heavy.lock "$0" "$@"
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/scripts/env.sh"
EDGE_DIR="${EDGE_DIR:-$ROOT/edge}"
PORT="${PORT:-8791}"
STATE="${STATE:-/tmp/lg-bench-$PORT}"
LOADGEN="${LOADGEN:-$ROOT/target/release/openline-loadgen}"
LOG="${LOG:-/tmp/lg-wrangler-$PORT.log}"
BASE="http://127.0.0.1:$PORT"

[ -x "$LOADGEN" ] || { echo "bench: no $LOADGEN (cargo build --release -p openline-loadgen)" >&2; exit 1; }
[ -f "$EDGE_DIR/build/worker/shim.mjs" ] || { echo "bench: $EDGE_DIR is not built" >&2; exit 1; }
if curl -fsS -m 2 "$BASE/api/v1/health" >/dev/null 2>&1; then
  echo "bench: something already answers on $BASE" >&2; exit 1
fi
rm -rf "$STATE"
ulimit -n 65536 2>/dev/null || true

# wrangler in its own process group, so that it and its workerd stop together.
cd "$EDGE_DIR"
WRANGLER_SEND_METRICS=false setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$PORT" \
  --persist-to "$STATE" --var OPENLINE_DEV:1 >"$LOG" 2>&1 </dev/null &
WPID=$!
stop() { kill -TERM -- "-$WPID" 2>/dev/null || true; sleep 1; kill -KILL -- "-$WPID" 2>/dev/null || true; }
trap stop EXIT

for _ in $(seq 1 120); do
  curl -fsS -m 2 "$BASE/api/v1/health" >/dev/null 2>&1 && break
  kill -0 "$WPID" 2>/dev/null || { echo "bench: wrangler exited; see $LOG" >&2; exit 1; }
  sleep 0.5
done
curl -fsS -m 30 -X POST "$BASE/api/v1/dev/seed" >/dev/null

# The workerd processes of this wrangler (its descendants).
descendants() {
  local kids
  kids=$(ps -e -o pid=,ppid= | awk -v p="$1" '$2 == p { print $1 }')
  for k in $kids; do echo "$k"; descendants "$k"; done
}
PIDS=$(for p in $(descendants "$WPID"); do
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = workerd ] && echo "$p"; done | paste -sd, -)
[ -n "$PIDS" ] || { echo "bench: no workerd under wrangler $WPID" >&2; exit 1; }
echo "bench: edge $EDGE_DIR on $BASE, workerd $PIDS" >&2
# Locally every request crosses two workerd processes: wrangler's dev proxy
# (the one listening on PORT) and the worker's own runtime.
ss -ltnpH "sport = :$PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | sed "s/^/bench: listening on :$PORT (dev proxy): /" >&2 || true

"$LOADGEN" --base "$BASE" --workerd-pid "$PIDS" "$@"
