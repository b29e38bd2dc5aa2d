// Storage written by the previous release (tests/fixtures/state-0.1, see its
// manifest.json) opened by this one: every object migrates forward and
// reads back what it kept; an object whose migration fails rolls the step
// back and refuses work with 503 storage_unavailable, never running on a
// half-migrated schema.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEdge } from "./harness.mjs";
import { api, login } from "./client.mjs";

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "state-0.1");
const old = JSON.parse(readFileSync(join(FIXTURE, "manifest.json"), "utf8"));
let edge, dir;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "openline-migrate-"));
  cpSync(FIXTURE, dir, { recursive: true });
  edge = await startEdge({ persistDir: dir, seed: false });
});
after(async () => {
  await edge?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Columns and applied steps of the dialog object whose dialog is `id` (read from its SQLite file). */
function dialogStorage(id) {
  const code = `
import glob, json, sqlite3, sys
for f in glob.glob(sys.argv[1] + "/v3/do/openline-DialogObject/*.sqlite"):
    c = sqlite3.connect(f)
    if c.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'dialog'").fetchone()[0] == 0:
        continue
    if c.execute("SELECT dialog_id FROM dialog").fetchone()[0] != sys.argv[2]:
        continue
    cols = [r[1] for r in c.execute("PRAGMA table_info(messages)")]
    steps = [r[0] for r in c.execute("SELECT name FROM _migrations ORDER BY name")]
    shown = [r[0] for r in c.execute("SELECT shown FROM messages ORDER BY seq")] if "shown" in cols else None
    print(json.dumps({"columns": cols, "steps": steps, "shown": shown}))
`;
  return JSON.parse(execFileSync("python3", ["-c", code, dir, id]).toString());
}

test("the previous release's accounts, line, dialog, contacts and quick answers read back after the migration", async () => {
  // Accounts: the old password works (and its hash is re-made at today's cost).
  const anna = await login(edge.base, "anna");
  assert.equal((await api(edge.base, "GET", "/api/v1/dev/password-cost?login=anna")).body.iterations, 600000);
  // The line and its dialog.
  const list = await api(edge.base, "GET", `/api/v1/lines/${old.line}/dialogs`, { token: anna.token });
  assert.equal(list.status, 200);
  const row = list.body.dialogs.find((d) => d.id === old.dialog);
  assert.ok(row, "the old dialog is on the line's list");
  assert.equal(row.status.state, "active");
  const history = await api(edge.base, "GET", `/api/v1/lines/${old.line}/dialogs/${old.dialog}/messages`, { token: anna.token });
  assert.equal(history.status, 200);
  assert.deepEqual(history.body.messages.map((m) => m.text), old.messages, "every message, the hidden note included, in order");
  // Quick answers and the client's contacts.
  const qa = await api(edge.base, "GET", `/api/v1/lines/${old.line}/quick-answers?q=tin`, { token: anna.token });
  assert.ok(qa.body.quick_answers.some((q) => q.text === "One tin left"));
  const card = await api(edge.base, "GET", `/api/v1/lines/${old.line}/clients/${old.client}`, { token: anna.token });
  assert.equal(card.status, 200);
  assert.equal(card.body.contacts.name, "Olga Legacy");
  // The old dialog is live: the operator writes on.
  const more = await api(edge.base, "POST", `/api/v1/lines/${old.line}/dialogs/${old.dialog}/messages`, {
    token: anna.token,
    body: { client_id: "after-upgrade", text: "Reserved for you." },
  });
  assert.equal(more.status, 201);
  // The new step numbered the visible messages for the visitor: 1, 2, (note), 3, 4, then 5.
  const stored = dialogStorage(old.dialog);
  assert.ok(stored.steps.includes("0009_shown_seq"));
  assert.deepEqual(stored.shown, [1, 2, null, 3, 4, 5]);
});

test("a dialog whose migration fails answers 503 storage_unavailable and keeps its old schema whole", async () => {
  const admin = await login(edge.base, "admin");
  const r = await api(edge.base, "GET", `/api/v1/lines/${old.line}/dialogs/${old.broken}/messages`, { token: admin.token });
  assert.equal(r.status, 503, JSON.stringify(r.body));
  assert.equal(r.body.error.code, "storage_unavailable");
  assert.match(r.body.error.message, /0009_shown_seq/);
  const stored = dialogStorage(old.broken);
  assert.ok(!stored.columns.includes("shown"), "the failed step's first statement was rolled back");
  assert.ok(!stored.steps.includes("0009_shown_seq"));
  assert.ok(stored.steps.includes("0008_ended"), "the earlier steps stay");
});
