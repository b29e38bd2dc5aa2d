#!/usr/bin/env bash
# Checks what a real deployment needs, in plain words, then runs
# `wrangler deploy` (`make deploy`; `--check` only checks). It stops on:
# not logged in to Cloudflare; development-only vars in wrangler.toml; a
# Durable Object class without a migration tag; no first administrator on
# a first deployment. It warns about optional parts left out (mail, the
# external API, a recovery secret still set).
# Env: WRANGLER (default: the pinned one in node_modules), CONFIG (default
# edge/wrangler.toml).
set -uo pipefail
. "$(dirname "$0")/env.sh"
cd "$ROOT"
CHECK_ONLY=""; [ "${1:-}" = "--check" ] && CHECK_ONLY=1
WRANGLER="${WRANGLER:-$ROOT/node_modules/.bin/wrangler}"
CONFIG="${CONFIG:-$ROOT/edge/wrangler.toml}"
errors=0; warnings=0
problem() { printf '  ✗ %s\n' "$*"; errors=$((errors + 1)); }
warn() { printf '  ! %s\n' "$*"; warnings=$((warnings + 1)); }
ok() { printf '  ✓ %s\n' "$*"; }

echo "Checking the deployment (config: ${CONFIG#"$ROOT"/})"

# 1. The build: only what changed is rebuilt.
if BUILD_IF_CHANGED=1 bash scripts/build.sh >/tmp/openline-deploy-build.log 2>&1; then
  ok "the edge, the widget and the console are built"
else
  problem "the build failed (its output: /tmp/openline-deploy-build.log)"
fi

# 2. wrangler.toml: nothing of local development, a migration for every class.
vars=$(awk '/^\[vars\]/{on=1; next} /^\[/{on=0} on' "$CONFIG")
for dev_only in OPENLINE_DEV OPENLINE_TIME_SCALE OPENLINE_HEARTBEAT_S; do
  if grep -q "^[[:space:]]*$dev_only[[:space:]]*=" <<<"$vars"; then
    problem "$dev_only is set under [vars] in wrangler.toml: it is for local development only (demo accounts, fast clocks); remove it"
  fi
done
classes=$(grep -E '^\s*class_name\s*=' "$CONFIG" | sed -E 's/.*"(.*)".*/\1/')
migrated=$(grep -E '^\s*new_sqlite_classes\s*=' "$CONFIG")
missing_tag=0
for class in $classes; do
  if ! grep -q "\"$class\"" <<<"$migrated"; then
    problem "the Durable Object class $class has no [[migrations]] tag with new_sqlite_classes in wrangler.toml; add a new tag for it (never edit a shipped one)"
    missing_tag=1
  fi
done
[ "$missing_tag" = 0 ] && ok "every Durable Object class has its migration tag ($(echo $classes | wc -w) classes)"

# 3. The Cloudflare account.
if "$WRANGLER" whoami >/dev/null 2>&1; then
  ok "logged in to Cloudflare"
else
  problem "wrangler is not logged in to a Cloudflare account: run \`npx wrangler login\`, or set CLOUDFLARE_API_TOKEN"
fi

# 4. Secrets (names only; values are never readable).
if secrets=$("$WRANGLER" secret list --format json --config "$CONFIG" 2>/dev/null); then
  first=""
else
  secrets="[]"; first=1
fi
has() { grep -q "\"name\"[[:space:]]*:[[:space:]]*\"$1\"" <<<"$secrets"; }
if has OPENLINE_ADMIN_PASSWORD; then
  ok "OPENLINE_ADMIN_PASSWORD is set (the first administrator)"
elif [ -n "$first" ]; then
  problem "this is the worker's first deployment and OPENLINE_ADMIN_PASSWORD is not set: nobody could log in; run \`npx wrangler secret put OPENLINE_ADMIN_PASSWORD\` after the first deploy, or set it now"
else
  ok "the worker exists (its administrators are in its storage)"
fi
if has OPENLINE_DEV; then
  problem "OPENLINE_DEV is set as a secret: it enables the demo accounts; \`npx wrangler secret delete OPENLINE_DEV\`"
fi
if has OPENLINE_RECOVERY_PASSWORD; then
  warn "OPENLINE_RECOVERY_PASSWORD is still set: it opens the administrator's account to whoever knows it; delete it once the recovery is done (SECURITY.md)"
fi
has OPENLINE_API_KEY || warn "OPENLINE_API_KEY is not set: external systems cannot write to clients (C7)"
grep -q "^[[:space:]]*OPENLINE_MAIL_API_URL[[:space:]]*=" <<<"$vars" \
  || warn "OPENLINE_MAIL_API_URL is not set under [vars]: e-mail copies and notifications are kept, not sent"

if [ "$errors" -gt 0 ]; then
  echo "Not deployed: $errors problem(s) above."
  exit 1
fi
if [ -n "$CHECK_ONLY" ]; then
  echo "Ready to deploy ($warnings warning(s))."
  exit 0
fi
echo "Deploying…"
exec "$WRANGLER" deploy --config "$CONFIG"
