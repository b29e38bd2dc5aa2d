// Issue 13, webhooks for integrations: an administrator subscribes an
// address to a line's events (or the whole deployment's); each event is
// POSTed signed Stripe-style with the subscription's secret, retried after
// a failure with the same event id, logged with the receiver's answer;
// paused subscriptions hear nothing; "send test event" sends one at once.
// The receiver (tests/fakes/webhook_receiver.mjs) checks every signature
// as docs/webhooks.md tells a real one to.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, consolePage, login, makeLine, operatorSays, until, visitor, visitorSays } from "./client.mjs";
import { startReceiver } from "../fakes/webhook_receiver.mjs";

const ALL_EVENTS = [
  "dialog.opened", "dialog.assigned", "dialog.transferred", "dialog.closed", "message.created",
  "rating.created", "contacts.left", "lead.created", "lead.updated", "kpi.missed",
];

let edge, rx, admin, sveta, anna, browser;
before(async () => {
  rx = await startReceiver();
  edge = await startEdge();
  [admin, sveta, anna] = await Promise.all(["admin", "sveta", "anna"].map((w) => login(edge.base, w)));
});
after(async () => {
  await browser?.close();
  await edge?.stop();
  await rx?.close();
});

const call = (method, path, who, body) => api(edge.base, method, path, { token: who?.token, body });

test("webhooks: only administrators manage them, every field is checked, secrets are never listed", async () => {
  for (const who of [anna, sveta]) {
    assert.equal((await call("GET", "/api/v1/webhooks", who)).status, 403);
    assert.equal((await call("POST", "/api/v1/webhooks", who, { url: "https://crm.example.com/h", events: ["dialog.closed"] })).status, 403);
  }
  assert.equal((await call("GET", "/api/v1/webhooks")).status, 401);
  const bad = [
    [{ url: "ftp://crm.example.com/h", events: ["dialog.closed"] }, 400, "invalid_field", /^url/],
    [{ url: "https://", events: ["dialog.closed"] }, 400, "invalid_field", /^url/],
    [{ url: rx.url("/x"), events: [] }, 400, "invalid_field", /^events/],
    [{ url: rx.url("/x"), events: ["test"] }, 400, "invalid_field", /^events/],
    [{ url: rx.url("/x"), events: ["dialog.exploded"] }, 400, "bad_request", /dialog\.exploded/],
    [{ url: rx.url("/x"), events: ["dialog.closed"], secret: "short" }, 400, "invalid_field", /^secret/],
    [{ url: rx.url("/x"), events: ["dialog.closed"], line: "no-such-line" }, 404, "not_found", /line/],
    [{ url: rx.url("/x"), events: ["dialog.closed"], description: "x".repeat(201) }, 400, "invalid_field", /^description/],
  ];
  for (const [body, status, code, message] of bad) {
    const r = await call("POST", "/api/v1/webhooks", admin, body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.body.error.code, code, JSON.stringify(r.body));
    assert.match(r.body.error.message, message);
  }
  assert.deepEqual((await call("GET", "/api/v1/webhooks", admin)).body.webhooks, [], "nothing refused was stored");
});

test("webhooks: a line's events arrive signed, a failed delivery is retried with the same id, pausing stops them", async () => {
  await makeLine(edge.base, admin, "hooks", { mode: "all_at_once", rating_wait_ms: 10 * 60_000 });
  await makeLine(edge.base, admin, "other", { mode: "all_at_once" });
  const chosen = "whsec_test_0123456789abcdef";
  const everything = await call("POST", "/api/v1/webhooks", admin, { url: rx.url("/all"), events: ALL_EVENTS, secret: chosen, description: "CRM" });
  assert.equal(everything.status, 201, JSON.stringify(everything.body));
  assert.equal(everything.body.secret, undefined, "a chosen secret is not echoed");
  assert.equal(everything.body.webhook.line ?? null, null);
  rx.secrets["/all"] = chosen;
  const scoped = await call("POST", "/api/v1/webhooks", admin, { url: rx.url("/scoped"), events: ["dialog.opened", "dialog.closed"], line: "hooks" });
  assert.equal(scoped.status, 201);
  assert.match(scoped.body.secret, /^whsec_[0-9a-f]{48}$/, "a made secret is shown once");
  rx.secrets["/scoped"] = scoped.body.secret;
  const listed = await call("GET", "/api/v1/webhooks", admin);
  assert.deepEqual(listed.body.webhooks.map((w) => [w.url, w.line ?? null, w.events.length, w.active]), [
    [rx.url("/all"), null, 10, true],
    [rx.url("/scoped"), "hooks", 2, true],
  ]);
  const text = JSON.stringify(listed.body);
  assert.ok(!text.includes(chosen) && !text.includes(scoped.body.secret) && !text.includes('"secret"'), "secrets are write-only");

  // The receiver refuses the first delivery: it comes again.
  rx.failures = 1;
  const v = await visitor(edge.base, "hooks");
  assert.equal((await visitorSays(edge.base, v, "Is the Darjeeling in stock?")).status, 201);
  assert.equal((await call("POST", `/api/v1/lines/hooks/dialogs/${v.dialog}/accept`, anna)).status, 200);
  assert.equal((await operatorSays(edge.base, anna, "hooks", v.dialog, "internal: ask the warehouse", true)).status, 201);
  assert.equal((await operatorSays(edge.base, anna, "hooks", v.dialog, "Yes, forty tins.")).status, 201);
  assert.equal((await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Olga", email: "olga@example.com" } })).status, 200);
  assert.equal((await call("POST", `/api/v1/lines/hooks/dialogs/${v.dialog}/close`, anna)).status, 200);
  assert.equal((await api(edge.base, "POST", "/api/v1/visitor/rating", { token: v.token, body: { score: 5, comment: "Thanks" } })).status, 200);

  const of = (path, dialog) => rx.events(path).filter((e) => e.data.dialog === dialog);
  const heard = () => new Set(of("/all", v.dialog).map((e) => e.type)).size;
  await until(() => heard() === 6, "the dialog's six kinds of events", 30_000);
  const got = of("/all", v.dialog);
  const types = [...new Set(got.map((e) => e.type))].sort();
  assert.deepEqual(types, ["contacts.left", "dialog.assigned", "dialog.closed", "dialog.opened", "message.created", "rating.created"]);
  assert.deepEqual(got.filter((e) => e.type === "message.created").map((e) => e.data.message.text).sort(), ["Is the Darjeeling in stock?", "Yes, forty tins."]);
  assert.ok(!rx.got.some((g) => g.body.includes("internal: ask the warehouse")), "a hidden note is never sent");
  const assigned = got.find((e) => e.type === "dialog.assigned");
  assert.equal(assigned.data.operator, anna.id);
  assert.equal(assigned.data.client, v.client);
  assert.equal(got.find((e) => e.type === "dialog.opened").data.channel, "widget", "L4: where the client writes from");
  assert.equal(assigned.data.channel, "widget");
  assert.ok(got.filter((e) => e.type === "message.created").every((e) => e.data.channel === "widget"));
  assert.deepEqual(got.find((e) => e.type === "contacts.left").data.contacts, { name: "Olga", email: "olga@example.com", phone: null });
  assert.equal(got.find((e) => e.type === "rating.created").data.rating.score, 5);
  for (const e of got) {
    assert.match(e.id, /^evt_[0-9a-f]{24}$/);
    assert.equal(e.line, "hooks");
    assert.ok(Math.abs(e.created - Date.now() / 1000) < 120, "created is unix seconds");
  }
  for (const g of rx.got.filter((g) => g.path === "/all")) {
    assert.ok(g.verified, "every delivery is signed with the subscription's secret");
    assert.equal(g.headers["openline-event"], g.json.type);
  }
  // The refused one, retried: the same event, delivered on the second attempt.
  const refused = rx.got.find((g) => g.status === 500);
  assert.ok(refused, "the receiver refused one");
  assert.ok(rx.got.some((g) => g.status === 200 && g.json.id === refused.json.id), "and got it again");
  const log = await call("GET", `/api/v1/webhooks/${everything.body.webhook.id}/deliveries`, admin);
  assert.equal(log.status, 200);
  const retried = log.body.deliveries.find((d) => d.event === refused.json.id);
  assert.deepEqual([retried.status, retried.attempts, retried.last_code], ["delivered", 2, 200]);
  assert.ok(log.body.deliveries.every((d) => d.status === "delivered"), JSON.stringify(log.body));

  // The line's own subscription heard only what it asked for.
  await until(() => of("/scoped", v.dialog).length === 2, "the scoped events");
  assert.deepEqual(of("/scoped", v.dialog).map((e) => e.type).sort(), ["dialog.closed", "dialog.opened"]);
  // Another line's dialog reaches the deployment's subscription only.
  const w = await visitor(edge.base, "other");
  assert.equal((await visitorSays(edge.base, w, "Hello from the other line")).status, 201);
  await until(() => of("/all", w.dialog).some((e) => e.type === "dialog.opened"), "the other line's dialog");
  assert.equal(of("/all", w.dialog)[0].line, "other");
  assert.deepEqual(of("/scoped", w.dialog), []);

  // Paused: nothing queued for it meanwhile; the other one still hears.
  assert.equal((await call("PATCH", `/api/v1/webhooks/${everything.body.webhook.id}`, admin, {})).status, 400, "nothing to change");
  assert.equal((await call("PATCH", "/api/v1/webhooks/wh_nope", admin, { active: false })).status, 404);
  assert.equal((await call("PATCH", `/api/v1/webhooks/${everything.body.webhook.id}`, admin, { url: "ftp://x" })).status, 400);
  const paused = await call("PATCH", `/api/v1/webhooks/${everything.body.webhook.id}`, admin, { active: false });
  assert.equal(paused.status, 200);
  assert.equal(paused.body.webhook.active, false);
  assert.equal(paused.body.webhook.url, rx.url("/all"), "a refused change changed nothing");
  const quiet = await visitor(edge.base, "hooks");
  assert.equal((await visitorSays(edge.base, quiet, "Anyone there?")).status, 201);
  await until(() => of("/scoped", quiet.dialog).length === 1, "the scoped subscription still hears");
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(of("/all", quiet.dialog), [], "a paused subscription hears nothing");
});

test("webhooks: a CRM hears a missed first-answer KPI, a lead made from the chat and each change of its status", async () => {
  await makeLine(edge.base, admin, "crm", { mode: "all_at_once", queueLogins: ["anna"], first_answer_kpi: { within_ms: 60_000, notify: [] } });
  const sub = await call("POST", "/api/v1/webhooks", admin, { url: rx.url("/crm"), events: ["kpi.missed", "lead.created", "lead.updated"], line: "crm" });
  assert.equal(sub.status, 201);
  rx.secrets["/crm"] = sub.body.secret;
  const v = await visitor(edge.base, "crm");
  assert.equal((await visitorSays(edge.base, v, "Do you deliver to Porto?")).status, 201);
  // Core time runs 60× faster here: the minute passes in a second.
  const missed = await until(() => rx.events("/crm").find((e) => e.type === "kpi.missed"), "kpi.missed");
  assert.deepEqual([missed.data.dialog, missed.data.kpi], [v.dialog, "first_answer"]);
  assert.equal((await call("POST", `/api/v1/lines/crm/dialogs/${v.dialog}/accept`, anna)).status, 200);
  assert.equal((await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Rui", phone: "+351 912 000 222" } })).status, 200);
  const lead = await call("POST", `/api/v1/lines/crm/dialogs/${v.dialog}/lead`, anna);
  assert.equal(lead.status, 201, JSON.stringify(lead.body));
  const change = (status) => call("PATCH", `/api/v1/lines/crm/leads/${lead.body.id}`, anna, { status });
  assert.equal((await change("in_progress")).status, 200);
  assert.equal((await change("won")).status, 200);
  const updates = () => rx.events("/crm").filter((e) => e.type === "lead.updated");
  await until(() => updates().length === 2, "two lead.updated");
  const created = rx.events("/crm").find((e) => e.type === "lead.created");
  assert.deepEqual([created.data.lead.id, created.data.lead.status, created.data.lead.contacts.name], [lead.body.id, "new", "Rui"]);
  assert.deepEqual(updates().map((e) => [e.data.lead.id, e.data.lead.status, e.data.dialog]), [
    [lead.body.id, "in_progress", v.dialog],
    [lead.body.id, "won", v.dialog],
  ]);
  // A change that changes nothing is not an event.
  const same = await change("won");
  assert.equal(same.body.changed, false);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(updates().length, 2);
  assert.ok(rx.got.filter((g) => g.path === "/crm").every((g) => g.verified), "every delivery signed");
});

test("webhooks in the console: an administrator adds one, sees its secret once, sends a test event and reads the log; supervisors have no such tab", async () => {
  browser = await launchBrowser();
  const p = await consolePage(browser.context, edge.base, "admin");
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByRole("tab", { name: "Integrations" }).click();
  const section = p.locator("section.integrations");
  await section.getByLabel("Address").fill(rx.url("/console"));
  await section.getByLabel("Description").fill("Helpdesk");
  await section.getByLabel("kpi.missed").uncheck();
  await section.getByRole("button", { name: "Add a webhook" }).click();
  const secret = section.locator(".secret code");
  await secret.waitFor();
  rx.secrets["/console"] = await secret.textContent();
  assert.match(rx.secrets["/console"], /^whsec_/);
  const row = section.locator("tr", { hasText: rx.url("/console") });
  await row.waitFor();
  assert.match(await row.textContent(), /All lines/);
  assert.doesNotMatch(await row.textContent(), /kpi\.missed/);
  await row.getByRole("button", { name: "Send test event" }).click();
  await section.getByText("The test event was accepted: 200").waitFor({ timeout: 5000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await section.innerText()}`);
  });
  assert.equal(rx.events("/console").at(-1).type, "test");
  await row.getByRole("button", { name: "Deliveries" }).click();
  await section.locator(".deliveries tr", { hasText: "delivered · 200" }).waitFor();
  await screenshot(p, "webhooks-console");
  p.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Remove" }).click();
  await row.waitFor({ state: "detached" });

  const op = await consolePage(browser.context, edge.base, "sveta");
  await op.getByRole("button", { name: "Administration" }).click();
  await op.getByRole("tab", { name: "Statistics" }).waitFor();
  assert.equal(await op.getByRole("tab", { name: "Integrations" }).count(), 0);
});

test("webhooks: a test event is sent at once, a new secret signs from then on, test events are rate-limited, removal is final", async () => {
  const made = await call("POST", "/api/v1/webhooks", admin, { url: rx.url("/test"), events: ["dialog.closed"] });
  assert.equal(made.status, 201);
  const id = made.body.webhook.id;
  rx.secrets["/test"] = made.body.secret;
  const sent = await call("POST", `/api/v1/webhooks/${id}/test`, admin);
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  assert.deepEqual([sent.body.type, sent.body.status, sent.body.last_code, sent.body.attempts], ["test", "delivered", 200, 1]);
  assert.equal(rx.events("/test").at(-1).type, "test");

  const rotated = await call("PATCH", `/api/v1/webhooks/${id}`, admin, { secret: "new" });
  assert.match(rotated.body.secret, /^whsec_[0-9a-f]{48}$/);
  assert.notEqual(rotated.body.secret, made.body.secret);
  // The receiver still holds the old secret: the next delivery fails its check.
  const refused = await call("POST", `/api/v1/webhooks/${id}/test`, admin);
  assert.deepEqual([refused.body.status, refused.body.last_code], ["queued", 401], "refused, to be retried");
  rx.secrets["/test"] = rotated.body.secret;
  await until(async () => (await call("GET", `/api/v1/webhooks/${id}/deliveries`, admin)).body.deliveries[0].status === "delivered", "the retry, with the new secret");

  assert.equal((await call("GET", `/api/v1/webhooks/${id}/deliveries`, anna)).status, 403);
  assert.equal((await call("POST", `/api/v1/webhooks/${id}/test`, sveta)).status, 403);
  let limited = 0;
  for (let i = 0; i < 12 && !limited; i++) {
    const r = await call("POST", `/api/v1/webhooks/${id}/test`, admin);
    if (r.status === 429) limited = i + 1;
    else assert.equal(r.status, 200);
  }
  assert.ok(limited > 0, "test events are counted per administrator");

  assert.equal((await call("DELETE", `/api/v1/webhooks/${id}`, admin)).status, 200);
  assert.equal((await call("DELETE", `/api/v1/webhooks/${id}`, admin)).status, 404);
  assert.equal((await call("GET", `/api/v1/webhooks/${id}/deliveries`, admin)).status, 404);
});
