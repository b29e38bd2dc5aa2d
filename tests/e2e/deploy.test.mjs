// `make deploy` (scripts/deploy.sh) against a stand-in for wrangler that
// answers like the real one (`whoami`; `secret list --format json` prints
// `[{"name": …, "type": "secret_text"}]`, and fails for a worker that does
// not exist yet; `deploy`): what it refuses, in plain words, and what it
// lets through.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = mkdtempSync(join(tmpdir(), "openline-deploy-"));
const fake = join(dir, "wrangler");
writeFileSync(
  fake,
  `#!/usr/bin/env bash
case "$1" in
  whoami) [ "$FAKE_LOGGED_IN" = 1 ] && echo "You are logged in" && exit 0; echo "Not logged in" >&2; exit 1 ;;
  secret) [ "$FAKE_SECRETS" = none ] && { echo "This Worker does not exist on your account" >&2; exit 1; }; echo "$FAKE_SECRETS" ;;
  deploy) echo "$*" > "$FAKE_DEPLOYED"; echo "Deployed" ;;
esac
`,
);
chmodSync(fake, 0o755);
const config = readFileSync(join(ROOT, "edge", "wrangler.toml"), "utf8");

function deploy({ args = [], loggedIn = true, secrets = [], toml = config } = {}) {
  const path = join(dir, `wrangler-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(path, toml);
  const deployed = join(dir, `deployed-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync("bash", [join(ROOT, "scripts", "deploy.sh"), ...args], {
    env: {
      ...process.env,
      WRANGLER: fake,
      CONFIG: path,
      FAKE_LOGGED_IN: loggedIn ? "1" : "0",
      FAKE_SECRETS: secrets === null ? "none" : JSON.stringify(secrets.map((name) => ({ name, type: "secret_text" }))),
      FAKE_DEPLOYED: deployed,
    },
    encoding: "utf8",
    timeout: 600_000,
  });
  return { code: r.status, out: r.stdout + r.stderr, deployed: existsSync(deployed) };
}

const secret = (...names) => names;

test("a complete deployment passes the check and is deployed", () => {
  const r = deploy({ secrets: secret("OPENLINE_ADMIN_PASSWORD", "OPENLINE_API_KEY") });
  assert.equal(r.code, 0, r.out);
  assert.ok(r.deployed, "wrangler deploy was called");
  assert.match(r.out, /OPENLINE_MAIL_API_URL is not set/, "an optional part left out is a warning");
  const check = deploy({ args: ["--check"], secrets: secret("OPENLINE_ADMIN_PASSWORD", "OPENLINE_API_KEY") });
  assert.equal(check.code, 0, check.out);
  assert.ok(!check.deployed, "--check deploys nothing");
});

test("development-only vars, a class without a migration tag, no login or no first administrator stop it, in plain words", () => {
  const dev = deploy({ secrets: secret("OPENLINE_ADMIN_PASSWORD"), toml: `${config}\n[vars]\nOPENLINE_DEV = "1"\n` });
  assert.equal(dev.code, 1);
  assert.ok(!dev.deployed);
  assert.match(dev.out, /OPENLINE_DEV is set under \[vars\].*local development only/);

  const untagged = config.replace('new_sqlite_classes = ["OutboxObject"]', 'new_sqlite_classes = []');
  const tag = deploy({ secrets: secret("OPENLINE_ADMIN_PASSWORD"), toml: untagged });
  assert.equal(tag.code, 1);
  assert.match(tag.out, /OutboxObject has no \[\[migrations\]\] tag/);

  const out = deploy({ loggedIn: false, secrets: secret("OPENLINE_ADMIN_PASSWORD") });
  assert.equal(out.code, 1);
  assert.match(out.out, /not logged in to a Cloudflare account/);

  const first = deploy({ secrets: null });
  assert.equal(first.code, 1);
  assert.ok(!first.deployed);
  assert.match(first.out, /first deployment and OPENLINE_ADMIN_PASSWORD is not set: nobody could log in/);

  const devSecret = deploy({ secrets: secret("OPENLINE_ADMIN_PASSWORD", "OPENLINE_DEV", "OPENLINE_RECOVERY_PASSWORD") });
  assert.equal(devSecret.code, 1);
  assert.match(devSecret.out, /OPENLINE_DEV is set as a secret/);
  assert.match(devSecret.out, /OPENLINE_RECOVERY_PASSWORD is still set/);
});
