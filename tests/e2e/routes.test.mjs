// The rest of the API surface against a real `wrangler dev`: account
// administration, line directory and departments, presence and the
// working day, invitations, supervisor rating, queue position, and the
// visitor socket's typing and rating frames.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSocket, socket, until, visitor, visitorSays, wsUrl } from "./client.mjs";

let edge, admin, anna, boris, sveta;
before(async () => {
  edge = await startEdge();
  [admin, anna, boris, sveta] = await Promise.all(["admin", "anna", "boris", "sveta"].map((w) => login(edge.base, w)));
});
after(async () => edge?.stop());

test("administrators invite colleagues, change roles and dismiss them; dismissal ends sessions", async () => {
  const created = await api(edge.base, "POST", "/api/v1/accounts", {
    token: admin.token,
    body: { login: "gleb", name: "Gleb", role: "operator", password: "gleb-password" },
  });
  assert.equal(created.status, 201);
  const dup = await api(edge.base, "POST", "/api/v1/accounts", {
    token: admin.token,
    body: { login: "gleb", name: "Gleb 2", role: "operator", password: "gleb-password" },
  });
  assert.equal(dup.status, 409);
  const weak = await api(edge.base, "POST", "/api/v1/accounts", { token: admin.token, body: { login: "weakling", name: "X", role: "operator", password: "short" } });
  assert.match(weak.body.error.message, /^password/);
  assert.equal((await api(edge.base, "POST", "/api/v1/accounts", { token: sveta.token, body: { login: "y1", name: "Y", role: "operator", password: "long-enough" } })).status, 403);
  const gleb = await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "gleb", password: "gleb-password" } });
  assert.equal(gleb.status, 200);
  const promoted = await api(edge.base, "PATCH", `/api/v1/accounts/${created.body.id}`, { token: admin.token, body: { role: "supervisor", position: "Tea expert" } });
  assert.equal(promoted.body.role, "supervisor");
  assert.equal(promoted.body.position, "Tea expert");
  const dismissed = await api(edge.base, "PATCH", `/api/v1/accounts/${created.body.id}`, { token: admin.token, body: { dismissed: true } });
  assert.equal(dismissed.body.dismissed, true);
  assert.equal((await api(edge.base, "GET", "/api/v1/me", { token: gleb.body.token })).status, 401);
  assert.equal((await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "gleb", password: "gleb-password" } })).status, 401);
});

test("lines are listed, renamed (L1), get departments that can be read back, and can be deleted (L3)", async () => {
  await makeLine(edge.base, admin, "dept", { mode: "strict_order", queueLogins: [] });
  const list = await api(edge.base, "GET", "/api/v1/lines", { token: sveta.token });
  assert.ok(list.body.some((l) => l.id === "dept"));
  // Not yet in its queue, Anna is not shown the line.
  const before = await api(edge.base, "GET", "/api/v1/lines", { token: anna.token });
  assert.ok(!before.body.some((l) => l.id === "dept"));
  const dep = await api(edge.base, "PUT", "/api/v1/lines/dept/departments/sales", { token: admin.token, body: { members: [boris.id, anna.id] } });
  assert.equal(dep.status, 200);
  const deps = await api(edge.base, "GET", "/api/v1/lines/dept/departments", { token: sveta.token });
  assert.deepEqual(deps.body.departments, [{ id: "sales", members: [boris.id, anna.id] }]);
  assert.equal((await api(edge.base, "GET", "/api/v1/lines/dept/departments", { token: anna.token })).status, 403);
  const s = (await api(edge.base, "GET", "/api/v1/lines/dept/settings", { token: admin.token })).body;
  s.queue = [{ kind: "department", id: "sales" }];
  const accounts = (await api(edge.base, "GET", "/api/v1/accounts", { token: admin.token })).body;
  assert.ok(accounts.length >= 4);
  s.name = "Sales desk";
  assert.equal((await api(edge.base, "PUT", "/api/v1/lines/dept/settings", { token: admin.token, body: s })).status, 200);
  const renamed = await api(edge.base, "GET", "/api/v1/lines", { token: anna.token });
  assert.equal(renamed.body.find((l) => l.id === "dept").name, "Sales desk", "L1: the directory follows a rename");
  const b = await operatorSocket(edge.base, "dept", boris);
  const v = await visitor(edge.base, "dept");
  await b.next((f) => f.type === "offer" && f.dialog === v.dialog);
  b.close();
  const del = await api(edge.base, "DELETE", "/api/v1/lines/dept", { token: admin.token });
  assert.equal(del.status, 200);
  assert.equal((await api(edge.base, "GET", "/api/v1/lines/dept/widget")).status, 404);
  const after = await api(edge.base, "GET", "/api/v1/lines", { token: anna.token });
  assert.ok(!after.body.some((l) => l.id === "dept"));
});

test("presence and the working day decide who is offered dialogs (Q4); the queue tells the visitor its place", async () => {
  await makeLine(edge.base, admin, "presence", { mode: "strict_order", work_time_tracking: true });
  const ops = await api(edge.base, "GET", "/api/v1/lines/presence/operators", { token: anna.token });
  assert.equal(ops.body.operators.length, 2);
  // Nobody has started the working day: the visitor waits, first in the queue.
  const v = await visitor(edge.base, "presence");
  const q = await api(edge.base, "GET", "/api/v1/visitor/queue", { token: v.token });
  assert.equal(q.body.queue.position, 1);
  const a = await operatorSocket(edge.base, "presence", anna);
  assert.equal((await api(edge.base, "POST", "/api/v1/lines/presence/working-day", { token: anna.token, body: { started: true } })).status, 200);
  await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
  assert.equal((await api(edge.base, "GET", "/api/v1/visitor/queue", { token: v.token })).body.queue, null);
  const away = await api(edge.base, "POST", "/api/v1/lines/presence/presence", { token: anna.token, body: { presence: "away" } });
  assert.equal(away.status, 200);
  const bad = await api(edge.base, "POST", "/api/v1/lines/presence/presence", { token: anna.token, body: { presence: "sleeping" } });
  assert.equal(bad.status, 400);
  a.close();
});

test("invite, hidden talk, leave, supervisor rating, and the visitor socket's typing and rating frames", async () => {
  await makeLine(edge.base, admin, "invite", { mode: "strict_order", close_on_rating: true });
  const a = await operatorSocket(edge.base, "invite", anna);
  const b = await operatorSocket(edge.base, "invite", boris);
  const v = await visitor(edge.base, "invite");
  const vs = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v.token}`));
  await vs.next((f) => f.type === "welcome");
  await visitorSays(edge.base, v, "Can two of you help me choose?");
  await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
  await api(edge.base, "POST", `/api/v1/lines/invite/dialogs/${v.dialog}/accept`, { token: anna.token });
  const inv = await api(edge.base, "POST", `/api/v1/lines/invite/dialogs/${v.dialog}/invite`, { token: anna.token, body: { operator: boris.id } });
  assert.equal(inv.status, 200);
  // W1: the visitor's draft reaches the dialog's operators, text included.
  vs.send({ type: "typing", draft: "I like smoky te" });
  const typing = await b.next((f) => f.type === "typing" && f.dialog === v.dialog);
  assert.equal(typing.preview, "I like smoky te");
  // An operator's typing reaches the visitor as an indicator, without text.
  a.send({ type: "typing", dialog: v.dialog });
  const opTyping = await vs.next((f) => f.type === "typing");
  assert.equal(opTyping.operator.name, "Anna");
  // Actions go over the console's socket too, checked as over HTTP: an
  // invited colleague may not close someone else's dialog.
  b.send({ type: "close", dialog: v.dialog });
  const refused = await b.next((f) => f.type === "error");
  assert.equal(refused.error.code, "forbidden");
  // A message over the socket: stored once (the resend is confirmed to the
  // sender only), shown to the visitor and confirmed to the sender by its client id.
  b.send({ type: "send", dialog: v.dialog, client_id: "boris-ws-1", text: "Smoky: Lapsang souchong", hidden: false });
  await vs.next((f) => f.type === "message" && f.message.text === "Smoky: Lapsang souchong");
  await b.next((f) => f.type === "message" && f.message.client_id === "boris-ws-1");
  const confirmations = () => b.frames.filter((f) => f.type === "message" && f.message.client_id === "boris-ws-1").length;
  b.send({ type: "send", dialog: v.dialog, client_id: "boris-ws-1", text: "Smoky: Lapsang souchong", hidden: false });
  await until(() => confirmations() === 2, "the resend's confirmation");
  const said = await api(edge.base, "POST", `/api/v1/lines/invite/dialogs/${v.dialog}/messages`, {
    token: boris.token,
    body: { client_id: "boris-1", text: "Lapsang it is!" },
  });
  assert.equal(said.status, 201);
  await vs.next((f) => f.type === "message" && f.message.text === "Lapsang it is!");
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/invite/dialogs/${v.dialog}/leave`, { token: boris.token })).status, 200);
  const gone = await api(edge.base, "POST", `/api/v1/lines/invite/dialogs/${v.dialog}/messages`, {
    token: boris.token,
    body: { client_id: "boris-2", text: "still here?" },
  });
  assert.equal(gone.status, 403);
  // Refused over the socket: the error names the message's client id.
  b.send({ type: "send", dialog: v.dialog, client_id: "boris-ws-2", text: "still here?", hidden: false });
  const wsGone = await b.next((f) => f.type === "error" && f.client_id === "boris-ws-2");
  assert.equal(wsGone.error.code, "forbidden");
  const history = (await api(edge.base, "GET", `/api/v1/lines/invite/dialogs/${v.dialog}/messages`, { token: anna.token })).body.messages;
  assert.equal(history.filter((m) => m.client_id === "boris-ws-1").length, 1, "a resend is stored once");
  assert.equal(history.filter((m) => m.client_id === "boris-ws-2").length, 0, "a refused message is not stored");
  const opRate = await api(edge.base, "POST", `/api/v1/lines/invite/dialogs/${v.dialog}/rating`, { token: anna.token, body: { score: 5 } });
  assert.equal(opRate.status, 403, "only supervisors rate (R2)");
  const supRate = await api(edge.base, "POST", `/api/v1/lines/invite/dialogs/${v.dialog}/rating`, { token: sveta.token, body: { score: 4, comment: "Good upsell" } });
  assert.equal(supRate.status, 200);
  await api(edge.base, "POST", `/api/v1/lines/invite/dialogs/${v.dialog}/close`, { token: anna.token });
  await vs.next((f) => f.type === "message" && f.message.kind === "rating_request");
  await vs.next((f) => f.type === "notice" && f.notice.kind === "rating_request");
  vs.send({ type: "rate", score: 5, comment: "Thanks!" });
  // R3: the rating finishes the session.
  const deadline = Date.now() + 10_000;
  let state;
  while (Date.now() < deadline) {
    const list = (await api(edge.base, "GET", "/api/v1/lines/invite/dialogs", { token: sveta.token })).body.dialogs;
    const d = list.find((x) => x.id === v.dialog);
    state = d.status.state;
    if (state === "finished") {
      assert.equal(d.client_rating.score, 5);
      assert.equal(d.supervisor_rating.score, 4);
      break;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  assert.equal(state, "finished");
  vs.send({ type: "ping" });
  await vs.next((f) => f.type === "pong");
  vs.close();
  a.close();
  b.close();
});

test("the visitor socket is rate-limited like HTTP: a flood of messages is refused past the limit, nothing past it is stored", async () => {
  const v = await visitor(edge.base, "demo");
  const vs = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v.token}`));
  await vs.next((f) => f.type === "welcome");
  // The limiter counts in fixed 10 s windows (workerd's local simulation
  // aligns them to the clock): a flood that straddles two windows may pass
  // 60 in each. Start it early in a window so the 80 frames land in one.
  const into = Date.now() % 10_000;
  if (into > 2_000) await new Promise((r) => setTimeout(r, 10_000 - into + 100));
  for (let i = 0; i < 80; i++) vs.send({ type: "send", client_id: `flood-${i}`, text: `flood ${i}` });
  const refused = await vs.next((f) => f.type === "error" && f.error.code === "rate_limited", 20_000);
  assert.match(refused.error.message, /too many messages/);
  // Every frame is answered (its echo or an error) before the count is read.
  await until(() => vs.frames.filter((f) => f.type === "error" || (f.type === "message" && /^flood-/.test(f.message.client_id ?? ""))).length >= 80, "answers to 80 frames");
  const stored = (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token })).body.messages;
  const flood = stored.filter((m) => /^flood /.test(m.text));
  assert.ok(flood.length <= 60, `${flood.length} of 80 stored`);
  assert.ok(flood.length >= 1);
  vs.close();
});

test("every change is rate-limited per session, administration included: past 600 a minute the session is refused and nothing more changes; another session goes on", async () => {
  const flood = await login(edge.base, "admin");
  // The local limiter counts in windows of the clock's minute: start early in one.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));
  const statuses = [];
  for (let i = 0; i < 700 && !statuses.includes(429); i += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, () => api(edge.base, "POST", "/api/v1/no-such-route", { token: flood.token, body: {} })),
    );
    statuses.push(...batch.map((r) => r.status));
  }
  assert.equal(statuses.filter((s) => s === 404).length, 600, "600 changes go through to their route");
  assert.ok(statuses.includes(429), "then the session is refused");
  const line = await api(edge.base, "POST", "/api/v1/lines", { token: flood.token, body: { id: "flooded", name: "Flooded" } });
  assert.equal(line.status, 429, JSON.stringify(line.body));
  assert.equal(line.body.error.code, "rate_limited");
  // The same session's token in the query string is the same credential.
  const viaQuery = await api(edge.base, "POST", `/api/v1/lines?token=${flood.token}`, { body: { id: "flooded", name: "Flooded" } });
  assert.equal(viaQuery.status, 429, JSON.stringify(viaQuery.body));
  const lines = await api(edge.base, "GET", "/api/v1/lines", { token: flood.token });
  assert.equal(lines.status, 200, "reads go on");
  assert.ok(!lines.body.some((l) => l.id === "flooded"), "the refused change made nothing");
  // Its owner can still end the flooded session.
  assert.equal((await api(edge.base, "POST", "/api/v1/auth/logout", { token: flood.token })).status, 200);
  assert.equal((await api(edge.base, "GET", "/api/v1/lines", { token: flood.token })).status, 401);
  const other = await api(edge.base, "POST", "/api/v1/lines", { token: admin.token, body: { id: "flooded", name: "Flooded" } });
  assert.equal(other.status, 201, JSON.stringify(other.body));

  // The API key is counted whatever else the request carries (a new junk
  // bearer token each time does not make it a new caller).
  const intoMinute1 = Date.now() % 60_000;
  if (intoMinute1 > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute1 + 200));
  const keyed = [];
  for (let i = 0; i < 700 && !keyed.includes(429); i += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, (_, k) =>
        api(edge.base, "POST", "/api/v1/no-such-route", {
          headers: { "X-Api-Key": "test-api-key", Authorization: `Bearer junk-${i + k}` },
          body: {},
        }),
      ),
    );
    keyed.push(...batch.map((r) => r.status));
  }
  assert.ok(keyed.includes(429), "the API key's changes are limited");
  assert.ok(keyed.filter((s) => s === 404).length <= 600);

  // A console's socket counts the same way, per operator (one of its own,
  // so that nobody else's console is held up).
  const made = await api(edge.base, "POST", "/api/v1/accounts", {
    token: admin.token,
    body: { login: "flo", name: "Flo", role: "operator", password: "flo-password" },
  });
  assert.equal(made.status, 201);
  await makeLine(edge.base, admin, "floodws", { queueLogins: ["flo"] });
  const floLogin = await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "flo", password: "flo-password" } });
  const fs = await operatorSocket(edge.base, "floodws", { token: floLogin.body.token });
  const v = await visitor(edge.base, "floodws");
  assert.equal((await visitorSays(edge.base, v, "Hello?")).status, 201);
  await fs.next((f) => f.type === "offer" && f.dialog === v.dialog);
  const intoMinute2 = Date.now() % 60_000;
  if (intoMinute2 > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute2 + 200));
  for (let i = 0; i < 600; i++) fs.send({ type: "typing", dialog: v.dialog });
  fs.send({ type: "accept", dialog: v.dialog });
  const refused = await fs.next((f) => f.type === "error" && f.error.code === "rate_limited", 30_000);
  assert.match(refused.error.message, /too many changes from this console/);
  const list = (await api(edge.base, "GET", "/api/v1/lines/floodws/dialogs", { token: admin.token })).body.dialogs;
  assert.equal(list.find((d) => d.id === v.dialog).status.state, "offered", "the refused accept changed nothing");
  fs.close();
});

test("the last administrator cannot lock everyone out: no self-dismissal or self-demotion, and the last one stays", async () => {
  const own = await api(edge.base, "PATCH", `/api/v1/accounts/${admin.id}`, { token: admin.token, body: { dismissed: true } });
  assert.equal(own.status, 403);
  assert.equal((await api(edge.base, "PATCH", `/api/v1/accounts/${admin.id}`, { token: admin.token, body: { role: "operator" } })).status, 403);
  // With a second administrator, one may dismiss the other; the survivor is then the last.
  const second = await api(edge.base, "POST", "/api/v1/accounts", {
    token: admin.token,
    body: { login: "second-admin", name: "Second", role: "admin", password: "second-admin-pw" },
  });
  assert.equal(second.status, 201);
  const s2 = (await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "second-admin", password: "second-admin-pw" } })).body;
  assert.equal((await api(edge.base, "PATCH", `/api/v1/accounts/${second.body.id}`, { token: admin.token, body: { dismissed: true } })).status, 200);
  assert.equal((await api(edge.base, "GET", "/api/v1/me", { token: s2.token })).status, 401);
  const me = await api(edge.base, "GET", "/api/v1/me", { token: admin.token });
  assert.equal(me.body.role, "admin");
  assert.equal(me.body.dismissed, false);
});

test("malformed requests are refused: arrays for objects, unknown methods, control characters in what visitors see", async () => {
  const asArray = await api(edge.base, "POST", "/api/v1/auth/login", { body: ["anna", "openline-anna"] });
  assert.equal(asArray.status, 400);
  assert.match(asArray.body.error.message, /JSON object/);
  for (const method of ["QUERY", "PROPFIND"]) {
    const r = await fetch(`${edge.base}/api/v1/health`, { method });
    assert.equal(r.status, 405, method);
    assert.match(r.headers.get("allow") ?? "", /GET/);
    assert.equal((await r.json()).error.code, "method_not_allowed");
  }
  const position = await api(edge.base, "PATCH", `/api/v1/accounts/${anna.id}`, { token: admin.token, body: { position: "Tea\u0000expert\u0007" } });
  assert.equal(position.status, 400);
  assert.match(position.body.error.message, /^position/);
  const long = await api(edge.base, "PATCH", `/api/v1/accounts/${anna.id}`, { token: admin.token, body: { position: "x".repeat(60_000) } });
  assert.equal(long.status, 400);
  const big = await fetch(`${edge.base}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "x".repeat(70 * 1024) });
  assert.equal(big.status, 413);
});

test("sessions end everywhere: a logout closes that session's sockets, a dismissal every socket of the account", async () => {
  const closed = (s) => new Promise((resolve) => s.ws.once("close", (code) => resolve(code)));
  // Two sessions of one operator: logging one out closes only its socket.
  const other = await login(edge.base, "boris");
  const ended = await operatorSocket(edge.base, "demo", other);
  const kept = await operatorSocket(edge.base, "demo", boris);
  const endedClosed = closed(ended);
  assert.equal((await api(edge.base, "POST", "/api/v1/auth/logout", { token: other.token })).status, 200);
  assert.equal(await endedClosed, 4001);
  kept.send({ type: "ping" });
  await kept.next((f) => f.type === "pong");
  kept.close();
  // A dismissed colleague's console socket closes at once.
  const created = await api(edge.base, "POST", "/api/v1/accounts", {
    token: admin.token,
    body: { login: "ivan", name: "Ivan", role: "operator", password: "ivan-password" },
  });
  assert.equal(created.status, 201);
  await makeLine(edge.base, admin, "ivans", { queueLogins: ["ivan"] });
  const ivan = (await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "ivan", password: "ivan-password" } })).body;
  const s = await operatorSocket(edge.base, "ivans", { token: ivan.token });
  const sClosed = closed(s);
  assert.equal((await api(edge.base, "PATCH", `/api/v1/accounts/${created.body.id}`, { token: admin.token, body: { dismissed: true } })).status, 200);
  assert.equal(await sClosed, 4001);
  // ...and cannot come back.
  const again = await api(edge.base, "GET", `/api/v1/lines/ivans/ws?token=${ivan.token}`);
  assert.equal(again.status, 401);
});

test("the console's page allows only its own scripts and cannot be framed; every page forbids MIME sniffing", async () => {
  const page = await fetch(`${edge.base}/console/`);
  assert.equal(page.status, 200);
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /'unsafe-eval'|script-src[^;]*'unsafe-inline'/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  assert.equal(page.headers.get("referrer-policy"), "no-referrer");
  assert.doesNotMatch(await page.text(), /<script type="module">/, "no inline script");
  const demo = await fetch(`${edge.base}/`);
  assert.equal(demo.headers.get("x-content-type-options"), "nosniff");
});

test("a long conversation is read whole: history pages, the socket replays everything, the e-mail copy holds every message", async () => {
  await makeLine(edge.base, admin, "long", { mode: "strict_order", queueLogins: ["anna"] });
  const a = await operatorSocket(edge.base, "long", anna);
  const v = await visitor(edge.base, "long");
  await visitorSays(edge.base, v, "Tell me everything about tea");
  await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
  await api(edge.base, "POST", `/api/v1/lines/long/dialogs/${v.dialog}/accept`, { token: anna.token });
  const N = 510;
  for (let i = 0; i < N; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, k) =>
        api(edge.base, "POST", `/api/v1/lines/long/dialogs/${v.dialog}/messages`, {
          token: anna.token,
          body: { client_id: `long-${i + k}`, text: `tea fact ${i + k}` },
        }),
      ),
    );
  }
  const first = (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token })).body;
  assert.equal(first.messages.length, 500);
  assert.equal(first.more, true);
  const last = first.messages.at(-1).seq;
  const rest = (await api(edge.base, "GET", `/api/v1/visitor/messages?after=${last}`, { token: v.token })).body;
  assert.equal(rest.more, false);
  assert.equal(first.messages.length + rest.messages.length, N + 1);
  // The socket replays everything after what the widget has.
  const vs = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v.token}`));
  vs.send({ type: "hello", protocol: 1, after: 0 });
  await until(() => new Set(vs.frames.filter((f) => f.type === "message").map((f) => f.message.seq)).size === N + 1, "the whole replay");
  vs.close();
  // The e-mail copy holds the last message too.
  assert.equal((await api(edge.base, "POST", "/api/v1/visitor/email-copy", { token: v.token, body: { email: "long@example.com" } })).status, 202);
  const box = (await api(edge.base, "GET", "/api/v1/dev/mailbox")).body.mail;
  const copy = box.find((m) => m.to_addr === "long@example.com");
  assert.match(copy.body, new RegExp(`tea fact ${N - 1}\\b`));
  assert.match(copy.body, /Tell me everything about tea/);
  a.close();
});

test("a request naming an unknown line is refused without creating storage for it", async () => {
  const { readdirSync, existsSync } = await import("node:fs");
  const dir = `${edge.persist}/v3/do/openline-LineObject`;
  const count = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sqlite")).length : 0);
  const before = count();
  for (let i = 0; i < 20; i++) {
    const id = `ghost-${i}-${Math.random().toString(36).slice(2, 8)}`;
    const widget = await api(edge.base, "GET", `/api/v1/lines/${id}/widget`);
    assert.equal(widget.status, 404);
    const session = await api(edge.base, "POST", "/api/v1/visitor/sessions", { body: { line: id } });
    assert.equal(session.status, 404);
    assert.equal((await api(edge.base, "GET", `/api/v1/lines/${id}/dialogs`, { token: anna.token })).status, 404);
  }
  assert.equal(count(), before, "no line object was created for the unknown ids");
});

test("a visitor token naming an unknown dialog is refused without creating storage for it", async () => {
  const { readdirSync, existsSync } = await import("node:fs");
  const dir = `${edge.persist}/v3/do/openline-DialogObject`;
  const count = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sqlite")).length : 0);
  const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");
  const real = await visitor(edge.base, "demo");
  const before = count();
  for (let i = 0; i < 20; i++) {
    // A 64-hex id shaped like a real one, a 32-hex one, and a real id's
    // first half with a made-up second half.
    const id = [hex(64), hex(32), real.dialog.slice(0, 32) + hex(32)][i % 3];
    const token = `${id}.${hex(64)}`;
    const read = await api(edge.base, "GET", "/api/v1/visitor/messages", { token });
    assert.ok([401, 404].includes(read.status), `read: ${read.status}`);
    const write = await api(edge.base, "POST", "/api/v1/visitor/messages", { token, body: { client_id: `g${i}`, text: "hello?" } });
    assert.ok([401, 404].includes(write.status), `write: ${write.status}`);
    // A stale token only means "start afresh".
    const session = await api(edge.base, "POST", "/api/v1/visitor/sessions", { body: { line: "demo", token, resume_only: true } });
    assert.equal(session.status, 204, JSON.stringify(session.body));
  }
  assert.equal(count(), before, "no dialog object was created for the unknown ids");
});

test("deleting a line ends its open dialogs (the visitor is told) and a line made again under its id starts empty", async () => {
  const doomed = await makeLine(edge.base, admin, "doomed", { mode: "strict_order", queueLogins: ["anna"] });
  const a = await operatorSocket(edge.base, "doomed", anna);
  const v = await visitor(edge.base, "doomed");
  const vs = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v.token}`));
  await vs.next((f) => f.type === "welcome");
  await visitorSays(edge.base, v, "Is anyone there?");
  await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
  await api(edge.base, "POST", `/api/v1/lines/doomed/dialogs/${v.dialog}/accept`, { token: anna.token });
  assert.equal((await api(edge.base, "POST", "/api/v1/lines/doomed/quick-answers", { token: anna.token, body: { text: "Old answer" } })).status, 201);
  assert.equal((await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Old Client", email: "old@example.com" } })).status, 200);

  const consoleClosed = new Promise((resolve) => a.ws.once("close", (code) => resolve(code)));
  assert.equal((await api(edge.base, "DELETE", "/api/v1/lines/doomed", { token: admin.token })).status, 200);
  const ended = await vs.next((f) => f.type === "notice" && f.notice.kind === "closed");
  assert.equal(ended.notice.text, doomed.close_message, "the line's T4 text");
  assert.equal(await consoleClosed, 4002);
  vs.close();

  await makeLine(edge.base, admin, "doomed", { mode: "strict_order", queueLogins: ["anna"] });
  const qa = await api(edge.base, "GET", "/api/v1/lines/doomed/quick-answers", { token: anna.token });
  assert.deepEqual(qa.body.quick_answers, []);
  const card = (await api(edge.base, "GET", `/api/v1/lines/doomed/clients/${v.client}`, { token: anna.token })).body;
  assert.equal(card.contacts ?? null, null);
  assert.deepEqual(card.dialogs, []);
  const dialogs = (await api(edge.base, "GET", "/api/v1/lines/doomed/dialogs", { token: anna.token })).body.dialogs;
  assert.deepEqual(dialogs, []);
});

test("dialog status events reach the line's queue and its supervisors, not an operator taken out of the queue", async () => {
  await makeLine(edge.base, admin, "outq", { mode: "strict_order", queueLogins: ["anna", "boris"] });
  const [a, b, s] = await Promise.all([anna, boris, sveta].map((who) => operatorSocket(edge.base, "outq", who)));
  // Boris leaves the queue; his console socket stays open until it reconnects.
  const settings = (await api(edge.base, "GET", "/api/v1/lines/outq/settings", { token: admin.token })).body;
  settings.queue = settings.queue.filter((e) => e.id !== boris.id);
  assert.equal((await api(edge.base, "PUT", "/api/v1/lines/outq/settings", { token: admin.token, body: settings })).status, 200);
  const v = await visitor(edge.base, "outq");
  const isStatus = (f) => f.type === "status" && f.dialog === v.dialog;
  await a.next(isStatus);
  await s.next(isStatus);
  // Both have heard of it; Boris, by now, would have too.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(b.frames.filter(isStatus).length, 0, "no word of the line's dialogs to someone no longer on it");
  for (const w of [a, b, s]) w.close();
});
