#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole system
# locally: `wrangler dev` on workerd, with Durable Object state kept in
# .openline/state across restarts. No Cloudflare account is needed.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/bootstrap.sh
# Only what changed since the last build is rebuilt (see scripts/build.sh).
BUILD_IF_CHANGED=1 bash scripts/build.sh
PORT="${PORT:-8787}"
BASE="http://127.0.0.1:$PORT"
mkdir -p .openline/state
# Local development only (git-ignored): demo seed and the mailbox page.
# A deployed worker never has OPENLINE_DEV.
[ -f edge/.dev.vars ] || printf 'OPENLINE_DEV=1\nOPENLINE_API_KEY=dev-api-key\n' > edge/.dev.vars

# No fetch of Cloudflare's `request.cf` sample (offline it only printed two
# stack traces; openline does not read `request.cf`), no usage metrics.
# Wrangler's start-up banner goes to a log, so that the first screen is
# the URLs and the accounts below; its request log follows them.
LOG="$ROOT/.openline/dev.log"
(cd edge && CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false \
  exec wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$ROOT/.openline/state") >"$LOG" 2>&1 &
WRANGLER=$!
trap 'kill $WRANGLER 2>/dev/null || true' INT TERM EXIT
for _ in $(seq 1 300); do
  curl -fsS "$BASE/api/v1/health" >/dev/null 2>&1 && break
  kill -0 $WRANGLER 2>/dev/null || { cat "$LOG" >&2; echo "wrangler dev exited (log above, also in $LOG)" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -X POST "$BASE/api/v1/dev/seed" >/dev/null

cat <<MSG

  openline is running on $BASE
    demo shop (with the widget snippet)  $BASE/
    operator console                     $BASE/console/
    API health                           $BASE/api/v1/health
    local mailbox (e-mails not sent)     $BASE/dev-mailbox.html
    demo line id                         demo  (queue: anna, boris)

  demo accounts (local dev only)         login / password
    administrator                        admin / openline-admin
    supervisor                           sveta / openline-sveta
    operator                             anna  / openline-anna
    operator                             boris / openline-boris
  external API key (C7, local dev)       dev-api-key

  State persists in .openline/state (delete it to start afresh). Ctrl-C stops.
  Wrangler's log: .openline/dev.log (its requests follow below).

MSG
tail -n 0 -f "$LOG" --pid=$WRANGLER &
wait $WRANGLER
