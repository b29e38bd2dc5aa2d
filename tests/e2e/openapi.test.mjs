// docs/openapi.json matches the worker: every documented operation is a
// route the edge knows (it may refuse us, but never with "no such route"),
// an undocumented one is refused as unknown, and what each operation really
// answers — its status and its body — is what the document says.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { ROOT, startEdge } from "./harness.mjs";
import { api, login, until, visitor } from "./client.mjs";
import { startTelegram, textUpdate, TOKEN } from "../fakes/telegram_api.mjs";

const spec = JSON.parse(readFileSync(join(ROOT, "docs", "openapi.json"), "utf8"));
let edge, tg;
before(async () => {
  tg = await startTelegram();
  edge = await startEdge({ vars: { OPENLINE_TELEGRAM_API: tg.base } });
});
after(async () => {
  await edge?.stop();
  await tg?.close();
});

test("every event a webhook may carry is described under the document's webhooks, with its body", () => {
  const kinds = spec.components.schemas.HookKind.oneOf.map((k) => k.const).sort();
  assert.deepEqual(Object.keys(spec.webhooks).sort(), kinds);
  for (const [kind, item] of Object.entries(spec.webhooks)) {
    assert.equal(item.post.requestBody.content["application/json"].schema.$ref, "#/components/schemas/HookEvent", kind);
    assert.ok(item.post.parameters.some((h) => h.name === "Openline-Signature"), kind);
  }
});

test("every operation of docs/openapi.json exists on the edge", async () => {
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      if (item[method]) ops.push([method.toUpperCase(), path]);
    }
  }
  assert.ok(ops.length >= 40, `only ${ops.length} operations documented`);
  const unknown = [];
  for (const [method, path] of ops) {
    if (path === "/api/v1/dev/seed") continue; // re-seeding is harmless but skip side effects
    const url = edge.base + path.replace(/\{[^}]+\}/g, "demo");
    const r = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json" },
      body: method === "GET" || method === "DELETE" ? undefined : "{}",
    });
    const body = await r.text();
    if (r.status === 404 && body.includes("no such API route")) unknown.push(`${method} ${path}`);
  }
  assert.deepEqual(unknown, []);
  const r = await fetch(`${edge.base}/api/v1/not-a-route`);
  assert.equal(r.status, 404);
  assert.match(await r.text(), /no such API route/);
});

test("the first administrator comes from the OPENLINE_ADMIN_PASSWORD secret, and no demo accounts exist without the seed", async () => {
  const fresh = await startEdge({ seed: false, vars: { OPENLINE_ADMIN_PASSWORD: "first-admin-secret" } });
  try {
    const demo = await fetch(`${fresh.base}/api/v1/auth/login`, { method: "POST", body: JSON.stringify({ login: "anna", password: "openline-anna" }) });
    assert.equal(demo.status, 401);
    const r = await fetch(`${fresh.base}/api/v1/auth/login`, { method: "POST", body: JSON.stringify({ login: "admin", password: "first-admin-secret" }) });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.account.role, "admin");
  } finally {
    await fresh.stop();
  }
});

/**
 * The documented response of an operation for `status` (else `default`),
 * `$ref`s followed: whether the status is listed, the response, and its
 * JSON pointer in the document (for the validator).
 */
function documented(path, method, status) {
  const op = spec.paths[path][method];
  const listed = Boolean(op.responses[String(status)]);
  const key = listed ? String(status) : "default";
  let pointer = `#/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}/responses/${key}`;
  let response = op.responses[key];
  const seen = new Set();
  while (response?.$ref && !seen.has(response.$ref)) {
    seen.add(response.$ref);
    pointer = response.$ref;
    response = pointer.split("/").slice(1).reduce((o, k) => o?.[k], spec);
  }
  return { listed, response, pointer };
}

/** One validator over the whole document, so `$ref`s resolve. */
function validator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(spec, "openapi.json");
  return ajv;
}

/** Every operation but the WebSocket upgrades, as "METHOD /path". */
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  ["get", "post", "put", "patch", "delete"].filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
);
const sockets = new Set(["GET /api/v1/lines/{line}/ws", "GET /api/v1/visitor/ws"]);

test("every operation answers with a status and a body its description allows (success and refusals alike)", async () => {
  const ajv = validator();
  const admin = await login(edge.base, "admin");
  const v = await visitor(edge.base, "demo");
  const creds = (op) => {
    const kinds = (op.security ?? spec.security ?? []).flatMap((s) => Object.keys(s));
    if (kinds.includes("visitorBearer")) return { Authorization: `Bearer ${v.token}` };
    if (kinds.includes("apiKey")) return { "X-Api-Key": "test-api-key" };
    if (kinds.includes("bearer")) return { Authorization: `Bearer ${admin.token}` };
    return {};
  };
  const skip = new Set([
    "POST /api/v1/dev/seed", // side effects on the shared edge
    "DELETE /api/v1/lines/{line}", // would delete the demo line the others use
    "POST /api/v1/auth/logout", // would end the administrator's session
    "GET /api/v1/lines/{line}/ws", // a socket, not a JSON answer
    "GET /api/v1/visitor/ws",
  ]);
  const problems = [];
  let checked = 0;
  let successes = 0;
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method];
      if (!op || skip.has(`${method.toUpperCase()} ${path}`)) continue;
      const url = edge.base + path.replace("{line}", "demo").replace(/\{[^}]+\}/g, "unknown-id");
      const r = await fetch(url, {
        method: method.toUpperCase(),
        headers: { "Content-Type": "application/json", ...creds(op) },
        body: method === "get" || method === "delete" ? undefined : "{}",
      });
      const text = await r.text();
      const where = `${method.toUpperCase()} ${path} → ${r.status}`;
      const { listed, response, pointer } = documented(path, method, r.status);
      if (!listed && !(r.status >= 400 && op.responses.default)) {
        problems.push(`${where}: status not documented`);
        continue;
      }
      const schema = response?.content?.["application/json"]?.schema;
      if (!schema || !text) continue;
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        problems.push(`${where}: not JSON`);
        continue;
      }
      const validate = ajv.getSchema(`openapi.json${pointer}/content/application~1json/schema`);
      checked += 1;
      if (r.status < 300) successes += 1;
      if (!validate(body)) problems.push(`${where}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 200)}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 40, `only ${checked} answers checked`);
  assert.ok(successes >= 15, `only ${successes} successful answers checked`);
});


test("every operation succeeds once in a real conversation, and each success is what the document describes", async () => {
  const ajv = validator();
  const problems = [];
  const succeeded = new Set();
  /** Calls an operation (`path` as documented, `params` filled in) and checks its answer. */
  async function call(method, path, params, { token, body, headers, want, query } = {}) {
    let url = path;
    for (const [k, v] of Object.entries(params)) url = url.replace(`{${k}}`, encodeURIComponent(v));
    if (query) url += `?${new URLSearchParams(query)}`;
    const r = await api(edge.base, method, url, { token, body, headers });
    const where = `${method} ${path} → ${r.status}`;
    if (want !== undefined && r.status !== want) problems.push(`${where}: expected ${want}, ${JSON.stringify(r.body).slice(0, 200)}`);
    const { listed, response, pointer } = documented(path, method.toLowerCase(), r.status);
    if (!listed) problems.push(`${where}: status not documented`);
    else if (response?.content?.["application/json"]?.schema) {
      const validate = ajv.getSchema(`openapi.json${pointer}/content/application~1json/schema`);
      if (!validate(r.body)) problems.push(`${where}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    if (r.status < 300) succeeded.add(`${method} ${path}`);
    return r.body;
  }
  const line = "demo";
  const L = { line };
  await call("GET", "/api/v1/health", {}, { want: 200 });
  const admin = await call("POST", "/api/v1/auth/login", {}, { body: { login: "admin", password: "openline-admin" }, want: 200 });
  const A = { token: admin.token };
  const me = await call("GET", "/api/v1/me", {}, A);
  assert.equal(me.login, "admin");
  const accounts = await call("GET", "/api/v1/accounts", {}, A);
  const id = Object.fromEntries(accounts.map((a) => [a.login, a.id]));
  const made = await call("POST", "/api/v1/accounts", {}, { ...A, body: { login: "oa-op", name: "OA", role: "operator", password: "openline-oa-op-1" }, want: 201 });
  await call("PATCH", "/api/v1/accounts/{id}", { id: made.id }, { ...A, body: { name: "OA two" }, want: 200 });
  await call("POST", "/api/v1/lines", {}, { ...A, body: { id: "oa-line", name: "OA line" }, want: 201 });
  await call("GET", "/api/v1/lines", {}, A);
  const settings = await call("GET", "/api/v1/lines/{line}/settings", { line: "oa-line" }, A);
  settings.queue = [{ kind: "operator", id: id.anna }, { kind: "department", id: "oa-sales" }];
  await call("PUT", "/api/v1/lines/{line}/settings", { line: "oa-line" }, { ...A, body: settings, want: 200 });
  await call("POST", "/api/v1/lines/{line}/widget/preview", { line: "oa-line" }, { ...A, body: settings, want: 200 });
  const OL = { line: "oa-line", department: "oa-sales" };
  await call("PUT", "/api/v1/lines/{line}/departments/{department}", OL, { ...A, body: { members: [id.boris] }, want: 200 });
  const departments = await call("GET", "/api/v1/lines/{line}/departments", OL, { ...A, want: 200 });
  assert.deepEqual(departments.departments.find((d) => d.id === "oa-sales")?.members, [id.boris]);
  await call("GET", "/api/v1/figures", {}, A);
  await call("GET", "/api/v1/lines/{line}/consents", L, A);
  await call("GET", "/api/v1/lines/{line}/statistics", L, A);

  // The visitor's side.
  const widget = await call("GET", "/api/v1/lines/{line}/widget", L, { want: 200 });
  const session = await call("POST", "/api/v1/visitor/sessions", {}, { body: { line }, want: 201 });
  const V = { token: session.token };
  await call("POST", "/api/v1/visitor/messages", {}, { ...V, body: { client_id: "oa-1", text: "Hello" }, want: 201 });
  await call("POST", "/api/v1/visitor/messages", {}, { ...V, body: { client_id: "oa-1", text: "Hello" }, want: 200 });
  await call("GET", "/api/v1/visitor/messages", {}, V);
  await call("GET", "/api/v1/visitor/queue", {}, V);
  const consent = widget.consent?.version ?? widget.forms?.consent?.version;
  await call("POST", "/api/v1/visitor/contacts", {}, { ...V, body: { name: "Olga", email: "olga@example.com", consent_version: consent ?? null }, want: 200 });
  await call("POST", "/api/v1/visitor/sessions", {}, { body: { line, token: session.token }, want: 200 });

  // The operators' side.
  const anna = await call("POST", "/api/v1/auth/login", {}, { body: { login: "anna", password: "openline-anna" }, want: 200 });
  const O = { token: anna.token };
  await call("POST", "/api/v1/lines/{line}/presence", L, { ...O, body: { presence: "online" }, want: 200 });
  await call("POST", "/api/v1/lines/{line}/working-day", L, { ...O, body: { started: true }, want: 200 });
  await call("GET", "/api/v1/lines/{line}/operators", L, O);
  await call("GET", "/api/v1/lines/{line}/dialogs", L, O);
  const D = { line, dialog: session.dialog };
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/accept", D, { ...O, want: 200 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/messages", D, { ...O, body: { client_id: "oa-op-1", text: "Hi, Olga" }, want: 201 });
  await call("GET", "/api/v1/lines/{line}/dialogs/{dialog}/messages", D, O);
  // Issue 11.3: a file each way, the links to them, and the file itself.
  const cup = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
  const png = { "Content-Type": "image/png" };
  const sentFile = await call("POST", "/api/v1/visitor/attachments", {}, { ...V, body: cup, headers: png, query: { client_id: "oa-f1", name: "cup.png" }, want: 201 });
  const [fileDialog, file] = sentFile.attachment.id.split("/");
  const fileLink = await call("GET", "/api/v1/visitor/attachments/{dialog}/{file}", { dialog: fileDialog, file }, { ...V, want: 200 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/attachments", D, { ...O, body: cup, headers: png, query: { client_id: "oa-f2", name: "reply.png" }, want: 201 });
  await call("GET", "/api/v1/lines/{line}/dialogs/{dialog}/attachments/{file}", { ...D, file }, { ...O, want: 200 });
  const served = new URL(fileLink.url);
  await call("GET", "/api/v1/files/attachments/{dialog}/{file}", { dialog: fileDialog, file }, { query: Object.fromEntries(served.searchParams), want: 200 });
  await call("GET", "/api/v1/lines/{line}/dialogs/search", L, { ...O, query: { q: "hello", state: "active" }, want: 200 });
  await call("GET", "/api/v1/lines/{line}/dialogs/search.csv", L, { ...O, want: 200 });
  await call("GET", "/api/v1/dialogs/search", {}, { ...O, query: { q: "hello" }, want: 200 });
  await call("GET", "/api/v1/dialogs/search.csv", {}, { ...O, query: { line }, want: 200 });
  await call("GET", "/api/v1/lines/{line}/dialogs/{dialog}/transcript.csv", D, { ...O, want: 200 });
  const lead = await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/lead", D, { ...O, want: 201 });
  await call("GET", "/api/v1/lines/{line}/leads", L, O);
  await call("GET", "/api/v1/lines/{line}/leads/{lead}", { line, lead: lead.id }, O);
  await call("PATCH", "/api/v1/lines/{line}/leads/{lead}", { line, lead: lead.id }, { ...O, body: { status: "in_progress" }, want: 200 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/invite", D, { ...O, body: { operator: id.boris }, want: 200 });
  const boris = await call("POST", "/api/v1/auth/login", {}, { body: { login: "boris", password: "openline-boris" }, want: 200 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/leave", D, { token: boris.token, want: 200 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/transfer", D, { ...O, body: { to: { kind: "operator", id: id.boris } }, want: 200 });
  await call("GET", "/api/v1/lines/{line}/clients/{client}", { line, client: session.client }, O);
  await call("GET", "/api/v1/lines/{line}/clients/{client}/export", { line, client: session.client }, { ...A, want: 200 });
  await call("POST", "/api/v1/lines/{line}/clients/{client}/merge", { line, client: session.client }, { ...A, body: { with: "v-nobody-here" }, want: 404 });
  const again = (await api(edge.base, "POST", "/api/v1/visitor/sessions", { body: { line } })).body;
  await api(edge.base, "POST", "/api/v1/visitor/messages", { token: again.token, body: { client_id: "oa-m2", text: "Me again" } });
  await call("POST", "/api/v1/lines/{line}/clients/{client}/merge", { line, client: session.client }, { ...A, body: { with: again.client }, want: 200 });
  await call("GET", "/api/v1/lines/{line}/audit", L, { ...A, want: 200 });
  // Webhooks (issue 13): a receiver that is not there; the test event is
  // logged as queued for a retry.
  const hook = await call("POST", "/api/v1/webhooks", {}, { ...A, body: { url: "http://127.0.0.1:9/hook", events: ["dialog.closed"], line }, want: 201 });
  const W = { id: hook.webhook.id };
  await call("GET", "/api/v1/webhooks", {}, { ...A, want: 200 });
  await call("PATCH", "/api/v1/webhooks/{id}", W, { ...A, body: { description: "CRM" }, want: 200 });
  await call("POST", "/api/v1/webhooks/{id}/test", W, { ...A, want: 200 });
  await call("GET", "/api/v1/webhooks/{id}/deliveries", W, { ...A, want: 200 });
  await call("DELETE", "/api/v1/webhooks/{id}", W, { ...A, want: 200 });
  // Channels (N2), Telegram being the local fake.
  await call("PUT", "/api/v1/lines/{line}/channels/telegram", L, { ...A, body: { token: TOKEN }, want: 200 });
  await call("GET", "/api/v1/lines/{line}/channels", L, { ...A, want: 200 });
  await call("POST", "/api/v1/lines/{line}/channels/telegram/check", L, { ...A, want: 200 });
  const tgSecret = { "X-Telegram-Bot-Api-Secret-Token": tg.webhook.secret_token };
  await call("POST", "/api/v1/lines/{line}/channels/telegram/updates", L, { headers: tgSecret, body: textUpdate(1, 7, "Hello from Telegram"), want: 200 });
  await call("DELETE", "/api/v1/lines/{line}/channels/telegram", L, { ...A, want: 200 });
  // Chat bots (B1–B3): a bot that is not listening; a line that hands it
  // every new dialog; it writes, closes one, hands another over.
  const robot = await call("POST", "/api/v1/bots", {}, { ...A, body: { name: "OA bot", url: "http://127.0.0.1:9/bot" }, want: 201 });
  await call("GET", "/api/v1/bots", {}, { ...A, want: 200 });
  await call("PATCH", "/api/v1/bots/{id}", { id: robot.bot.id }, { ...A, body: { avatar: "/assets/faq-bot.svg" }, want: 200 });
  const botLine = await call("POST", "/api/v1/lines", {}, { ...A, body: { id: "oa-bot", name: "OA bot line" }, want: 201 });
  botLine.bot = { bot: robot.bot.id, first_dialog_only: false, handoff_after_ms: 3_600_000 };
  await call("PUT", "/api/v1/lines/{line}/settings", { line: "oa-bot" }, { ...A, body: botLine, want: 200 });
  const B = { headers: { Authorization: `Bearer ${robot.token}` } };
  const [b1, b2] = [await visitor(edge.base, "oa-bot"), await visitor(edge.base, "oa-bot")];
  for (const v of [b1, b2]) await api(edge.base, "POST", "/api/v1/visitor/messages", { token: v.token, body: { client_id: "oa-b1", text: "Hi bot" } });
  const BD = (v) => ({ line: "oa-bot", dialog: v.dialog });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/bot/messages", BD(b1), { ...B, body: { client_id: "oa-bot-1", text: "Hello from the bot" }, want: 201 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/bot/messages", BD(b1), { ...B, body: { client_id: "oa-bot-1", text: "Hello from the bot" }, want: 200 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/bot/close", BD(b1), { ...B, want: 200 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/bot/close", BD(b1), { ...B, want: 409 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/bot/handoff", BD(b2), { ...B, want: 200 });
  await call("DELETE", "/api/v1/bots/{id}", { id: robot.bot.id }, { ...A, want: 409 });
  await call("PUT", "/api/v1/lines/{line}/settings", { line: "oa-bot" }, { ...A, body: { ...botLine, bot: null }, want: 200 });
  await call("DELETE", "/api/v1/bots/{id}", { id: robot.bot.id }, { ...A, want: 200 });
  await call("DELETE", "/api/v1/lines/{line}/clients/{client}", { line, client: "v-nobody-here" }, { ...A, want: 200 });
  await call("POST", "/api/v1/lines/{line}/clients/{client}/messages", { line, client: session.client }, { headers: { "X-Api-Key": "test-api-key" }, body: { client_id: "oa-ext-1", text: "From the CRM" } });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/accept", D, { token: boris.token, want: 200 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/close", D, { token: boris.token, want: 200 });
  await call("POST", "/api/v1/visitor/rating", {}, { ...V, body: { score: 5, comment: "Thanks" }, want: 200 });
  const sveta = await call("POST", "/api/v1/auth/login", {}, { body: { login: "sveta", password: "openline-sveta" }, want: 200 });
  await call("POST", "/api/v1/lines/{line}/dialogs/{dialog}/rating", D, { token: sveta.token, body: { score: 4 }, want: 200 });
  await call("POST", "/api/v1/visitor/email-copy", {}, { ...V, body: { email: "olga@example.com" }, want: 202 });

  // Quick answers.
  await call("POST", "/api/v1/lines/{line}/quick-answers", L, { ...O, body: { title: "Hours", text: "We open at 9" }, want: 201 });
  const answers = await call("GET", "/api/v1/lines/{line}/quick-answers", L, O);
  const qa = (answers.items ?? answers.quick_answers ?? []).find((q) => q.title === "Hours");
  assert.ok(qa, `the new quick answer is listed: ${JSON.stringify(answers)}`);
  await call("PUT", "/api/v1/lines/{line}/quick-answers/{id}", { line, id: qa.id }, { ...A, body: { title: "Hours", text: "We open at 10", group: "Opening" }, want: 200 });
  await call("PUT", "/api/v1/lines/{line}/quick-answer-groups/{group}", { line, group: "Opening" }, { ...A, body: { name: "Hours and days" }, want: 200 });
  await call("DELETE", "/api/v1/lines/{line}/quick-answers/{id}", { line, id: qa.id }, { ...A, want: 200 });
  await call("POST", "/api/v1/lines/{line}/quick-answers", L, { ...A, body: { group: "Spare", text: "Spare answer", shortcut: "spare" }, want: 201 });
  await call("DELETE", "/api/v1/lines/{line}/quick-answer-groups/{group}", { line, group: "Spare" }, { ...A, want: 200 });

  // O1: one's own profile and avatar (a 1 × 1 PNG).
  await call("PATCH", "/api/v1/me", {}, { ...O, body: { position: "Tea expert" }, want: 200 });
  const pixel = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
  const pictured = await call("PUT", "/api/v1/me/avatar", {}, { ...O, body: pixel, headers: { "Content-Type": "image/png" }, want: 200 });
  const [account, name] = pictured.avatar.split("/").slice(-2);
  await call("GET", "/api/v1/files/avatars/{account}/{name}", { account, name }, { want: 200 });
  await call("DELETE", "/api/v1/me/avatar", {}, { ...O, want: 200 });

  // L1 and K2: a line named after the company; a missed KPI's notice, read
  // and acknowledged (core time runs 60× faster: the minute is a second).
  await call("PUT", "/api/v1/deployment", {}, { ...A, body: { company_name: "Northwind Tea" }, want: 200 });
  assert.equal((await call("GET", "/api/v1/deployment", {}, { ...O, want: 200 })).company_name, "Northwind Tea");
  const kpiLine = await call("POST", "/api/v1/lines", {}, { ...A, body: { id: "oa-kpi" }, want: 201 });
  assert.equal(kpiLine.name, "Northwind Tea");
  kpiLine.first_answer_kpi = { within_ms: 60_000, notify: [id.admin] };
  await call("PUT", "/api/v1/lines/{line}/settings", { line: "oa-kpi" }, { ...A, body: kpiLine, want: 200 });
  const kv = await call("POST", "/api/v1/visitor/sessions", {}, { body: { line: "oa-kpi" }, want: 201 });
  await call("POST", "/api/v1/visitor/messages", {}, { token: kv.token, body: { client_id: "oa-k1", text: "Anyone?" }, want: 201 });
  let inbox;
  await until(async () => (inbox = await call("GET", "/api/v1/lines/{line}/notifications", { line: "oa-kpi" }, A)).unread > 0, "a KPI notice");
  const one = { line: "oa-kpi", notification: inbox.notifications[0].id };
  await call("POST", "/api/v1/lines/{line}/notifications/{notification}/read", one, { ...A, want: 200 });
  await call("POST", "/api/v1/lines/{line}/notifications/read", { line: "oa-kpi" }, { ...A, want: 200 });

  // Local development helpers, then the end of the administrator's session.
  await call("GET", "/api/v1/dev/mailbox", {}, { want: 200 });
  await call("GET", "/api/v1/dev/password-cost", {}, { query: { login: "oa-op" }, want: 200 });
  await call("PUT", "/api/v1/dev/password-cost", {}, { body: { login: "oa-op", password: "openline-oa-op-1", iterations: 1000 }, want: 200 });
  await call("POST", "/api/v1/dev/seed", {}, { want: 200 });
  await call("DELETE", "/api/v1/lines/{line}", { line: "oa-line" }, { ...A, want: 200 });
  await call("POST", "/api/v1/auth/logout", {}, { ...A, want: 200 });
  assert.deepEqual(problems, []);
  const never = operations.filter((op) => !sockets.has(op) && !succeeded.has(op));
  assert.deepEqual(never, [], "operations whose success was never checked");
});
