// What whoever runs a deployment watches: one structured JSON log line per
// request (route template, ids, status, duration; never message text,
// tokens, passwords or contacts), the health route's release, and the
// administrators' figures.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSocket, until, visitor, visitorSays } from "./client.mjs";

let edge, admin, anna;
before(async () => {
  edge = await startEdge({ logLevel: "log" });
  [admin, anna] = await Promise.all([login(edge.base, "admin"), login(edge.base, "anna")]);
});
after(async () => edge?.stop());

/** The JSON log lines wrangler printed so far. */
function logLines() {
  return edge
    .output()
    .split("\n")
    .map((l) => l.slice(l.indexOf("{")))
    .filter((l) => l.startsWith("{"))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return null;
      }
    })
    .filter((e) => e && e.event);
}

test("each request is one JSON log line with its route, ids, status and duration, and nothing private", async () => {
  await makeLine(edge.base, admin, "logs", { mode: "strict_order", queueLogins: ["anna"] });
  const v = await visitor(edge.base, "logs");
  const secretText = "my card number is 4111 1111 1111 1111";
  const sent = await visitorSays(edge.base, v, secretText);
  assert.equal(sent.status, 201);
  await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Private Person", email: "private.person@example.com" } });
  const missing = await api(edge.base, "GET", `/api/v1/lines/logs/dialogs/${v.dialog}/messages`, { token: "not-a-token" });
  assert.equal(missing.status, 401);
  // Wrangler prints the lines as they come; wait for the last request's.
  await until(
    () => logLines().some((e) => e.route === "/api/v1/lines/{line}/dialogs/{dialog}/messages" && e.status === 401),
    "the last request's log line",
  );
  const entries = logLines();
  const message = entries.find((e) => e.event === "request" && e.route === "/api/v1/visitor/messages" && e.method === "POST");
  assert.ok(message, JSON.stringify(entries.slice(-5)));
  assert.equal(message.status, 201);
  assert.equal(message.dialog, v.dialog);
  assert.equal(message.level, "info");
  assert.equal(typeof message.ms, "number");
  assert.match(message.request, /^[0-9a-f]{16}$/);
  const refused = entries.find((e) => e.route === "/api/v1/lines/{line}/dialogs/{dialog}/messages" && e.status === 401);
  assert.ok(refused, "an id in the path becomes a name in the route");
  assert.equal(refused.line, "logs");
  assert.equal(refused.dialog, v.dialog);
  assert.equal(refused.code, "unauthorized");
  const all = edge.output();
  for (const privateThing of [secretText, v.token.split(".")[1], "private.person@example.com", "Private Person", "openline-anna"]) {
    assert.ok(!all.includes(privateThing), `the log never holds ${privateThing.slice(0, 12)}…`);
  }
});

test("health names the release; the figures show each line's live dialogs, consoles and the outbox to administrators only", async () => {
  const health = await api(edge.base, "GET", "/api/v1/health");
  assert.equal(health.status, 200);
  assert.match(health.body.version, /^\d+\.\d+\.\d+/);
  // The response names its request, as the log line does.
  const raw = await fetch(`${edge.base}/api/v1/health`);
  const id = raw.headers.get("x-request-id");
  assert.match(id, /^[0-9a-f]{16}$/);
  await until(() => logLines().some((e) => e.request === id && e.route === "/api/v1/health"), "the health request's log line");
  await makeLine(edge.base, admin, "figures", { mode: "strict_order", queueLogins: ["anna"] });
  const a = await operatorSocket(edge.base, "figures", anna);
  const v1 = await visitor(edge.base, "figures");
  await visitorSays(edge.base, v1, "First");
  await a.next((f) => f.type === "offer" && f.dialog === v1.dialog);
  await api(edge.base, "POST", `/api/v1/lines/figures/dialogs/${v1.dialog}/accept`, { token: anna.token });
  const v2 = await visitor(edge.base, "figures");
  await visitorSays(edge.base, v2, "Second");
  await a.next((f) => f.type === "offer" && f.dialog === v2.dialog);
  assert.equal((await api(edge.base, "POST", "/api/v1/visitor/email-copy", { token: v1.token, body: { email: "copy@example.com" } })).status, 202);

  assert.equal((await api(edge.base, "GET", "/api/v1/figures", { token: anna.token })).status, 403);
  assert.equal((await api(edge.base, "GET", "/api/v1/figures")).status, 401);
  const figures = await api(edge.base, "GET", "/api/v1/figures", { token: admin.token });
  assert.equal(figures.status, 200);
  assert.equal(figures.body.version, health.body.version);
  const line = figures.body.lines.find((l) => l.line === "figures");
  assert.deepEqual(
    { active: line.active, offered: line.offered, queued: line.queued, consoles: line.consoles, operators_online: line.operators_online },
    { active: 1, offered: 1, queued: 0, consoles: 1, operators_online: 1 },
  );
  assert.match(line.schema, /^\d{4}_/);
  assert.ok(figures.body.lines.some((l) => l.line === "demo"));
  assert.ok(figures.body.outbox.captured + figures.body.outbox.queued + figures.body.outbox.sent >= 1, JSON.stringify(figures.body.outbox));
  assert.match(figures.body.accounts_schema, /^\d{4}_/);
  a.close();
});
