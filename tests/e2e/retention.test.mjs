// Issue 12, S3's retention: a line keeps its transcripts for good unless
// an administrator sets how many days; then a finished dialog's words are
// erased once it is that old — after the archive took it, never silently
// (the audit log says which dialog, and why) — while the dialog's record
// stays for the statistics. Here a retention "day" is 240 s of core time
// (OPENLINE_DAY_S), 4 real seconds; the archive takes finished dialogs
// after 120 s of core time, 2 real seconds.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSays, until, visitor, visitorSays } from "./client.mjs";

let edge, admin, anna;
before(async () => {
  edge = await startEdge({ vars: { OPENLINE_ARCHIVE_AFTER_S: "120", OPENLINE_DAY_S: "240" } });
  [admin, anna] = await Promise.all(["admin", "anna"].map((w) => login(edge.base, w)));
});
after(async () => {
  await edge?.stop();
});

/** A finished conversation on `line`: the client's words, Anna's answer. */
async function finished(line, words) {
  const v = await visitor(edge.base, line);
  assert.equal((await visitorSays(edge.base, v, words)).status, 201);
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/${line}/dialogs/${v.dialog}/accept`, { token: anna.token })).status, 200);
  assert.equal((await operatorSays(edge.base, anna, line, v.dialog, "Noted, thank you.")).status, 201);
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/${line}/dialogs/${v.dialog}/close`, { token: anna.token })).status, 200);
  return v;
}
const words = async (line, dialog) => {
  const r = await api(edge.base, "GET", `/api/v1/lines/${line}/dialogs/${dialog}/messages`, { token: admin.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.messages.filter((m) => m.author.kind !== "system").map((m) => m.text);
};

test("S3: with a retention set, a finished dialog's words go when it is that old, its record stays and the audit log says so; without one they stay", async () => {
  const saved = await makeLine(edge.base, admin, "keep1", { mode: "all_at_once", rating_wait_ms: 0, retention_days: 1 });
  assert.equal(saved.retention_days, 1);
  await makeLine(edge.base, admin, "keepall", { mode: "all_at_once", rating_wait_ms: 0 });
  for (const [bad, code] of [[0, "invalid_field"], [3651, "invalid_field"], [-1, "bad_request"], ["a week", "bad_request"]]) {
    const settings = { ...saved, retention_days: bad };
    const r = await api(edge.base, "PUT", "/api/v1/lines/keep1/settings", { token: admin.token, body: settings });
    assert.equal(r.status, 400, `retention_days ${bad}`);
    assert.equal(r.body.error.code, code);
    // A number out of range names the field; a value of the wrong kind is
    // the body's own fault, said the way every route says it.
    assert.match(r.body.error.message, code === "invalid_field" ? /^retention_days/ : /expected u32/);
  }

  const olga = await finished("keep1", "My card ends in 4242");
  const ivan = await finished("keepall", "My card ends in 1717");
  assert.deepEqual(await words("keep1", olga.dialog), ["My card ends in 4242", "Noted, thank you."]);

  // Archived first (still readable), then erased for its age.
  await until(async () => (await words("keep1", olga.dialog)).every((t) => t === ""), "the words erased", 30_000);
  const search = await api(edge.base, "GET", "/api/v1/lines/keep1/dialogs/search?q=4242", { token: admin.token });
  assert.deepEqual(search.body.dialogs, [], "the word index forgot them");
  const stats = (await api(edge.base, "GET", "/api/v1/lines/keep1/statistics", { token: admin.token })).body;
  assert.deepEqual([stats.dialogs.opened, stats.dialogs.answered], [1, 1], "the dialog still counts");
  const log = (await api(edge.base, "GET", "/api/v1/lines/keep1/audit", { token: admin.token })).body.entries;
  assert.deepEqual(log.map((e) => [e.action, e.by, e.client, e.detail]), [["expire", "retention", olga.client, olga.dialog]]);

  // The line without a retention keeps every word, archived or not.
  await until(async () => (await api(edge.base, "GET", "/api/v1/lines/keepall/dialogs", { token: admin.token })).body.dialogs.length === 0, "archived", 30_000);
  assert.deepEqual(await words("keepall", ivan.dialog), ["My card ends in 1717", "Noted, thank you."]);
  assert.deepEqual((await api(edge.base, "GET", "/api/v1/lines/keepall/audit", { token: admin.token })).body.entries, []);
});
