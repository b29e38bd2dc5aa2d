#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole system
# locally: `wrangler dev` on workerd, with Durable Object state kept in
# .openline/state across restarts. No Cloudflare account is needed.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/bootstrap.sh
bash scripts/build.sh
PORT="${PORT:-8787}"
mkdir -p .openline/state
cat <<MSG

  openline is starting on http://127.0.0.1:$PORT
    demo shop (with the widget snippet)  http://127.0.0.1:$PORT/
    operator console                     http://127.0.0.1:$PORT/console/
    API health                           http://127.0.0.1:$PORT/api/v1/health
    demo line id                         demo
  State persists in .openline/state (delete it to start afresh). Ctrl-C stops.

MSG
cd edge
exec wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$ROOT/.openline/state"
