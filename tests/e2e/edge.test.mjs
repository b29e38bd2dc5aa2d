// The edge against a real `wrangler dev`: accounts and roles, the three
// distribution modes with (time-scaled) pass-on, hidden messages, transfer,
// C7, and isolation between visitors.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSocket, socket, visitor, visitorSays, wsUrl } from "./client.mjs";

let edge;
let admin, anna, boris, sveta;

before(async () => {
  edge = await startEdge();
  [admin, anna, boris, sveta] = await Promise.all(["admin", "anna", "boris", "sveta"].map((w) => login(edge.base, w)));
});
after(async () => edge?.stop());

describe("accounts and roles", () => {
  test("a wrong password and a missing token are refused with 401", async () => {
    const bad = await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "anna", password: "nope-nope" } });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, "unauthorized");
    const none = await api(edge.base, "GET", "/api/v1/me");
    assert.equal(none.status, 401);
    const me = await api(edge.base, "GET", "/api/v1/me", { token: anna.token });
    assert.equal(me.body.login, "anna");
  });

  test("passwords are hashed at 600,000 iterations; an older hash works and is re-made at that cost on the next good login", async () => {
    const cost = async (login) => (await api(edge.base, "GET", `/api/v1/dev/password-cost?login=${login}`)).body.iterations;
    const made = await api(edge.base, "POST", "/api/v1/accounts", { token: admin.token, body: { login: "olga", name: "Olga", role: "operator", password: "olga-password" } });
    assert.equal(made.status, 201);
    assert.equal(await cost("olga"), 600000, "a new account");
    const log = (password) => api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "olga", password } });
    assert.equal((await log("olga-password")).status, 200);
    // An account from an earlier version: one round of 100,000.
    const old = await api(edge.base, "PUT", "/api/v1/dev/password-cost", { body: { login: "olga", password: "olga-password", iterations: 100000 } });
    assert.equal(old.status, 200);
    assert.equal(await cost("olga"), 100000);
    assert.equal((await log("not-her-password")).status, 401);
    assert.equal(await cost("olga"), 100000, "a wrong password re-makes nothing");
    assert.equal((await log("olga-password")).status, 200, "the old hash still lets its owner in");
    assert.equal(await cost("olga"), 600000, "and is re-made at today's cost");
    assert.equal((await log("olga-password")).status, 200, "the new hash lets her in");
    assert.equal((await log("not-her-password")).status, 401);
  });

  test("operators cannot configure lines (L5); administrators can", async () => {
    const s = await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token });
    assert.equal(s.status, 200);
    const denied = await api(edge.base, "PUT", "/api/v1/lines/demo/settings", { token: anna.token, body: s.body });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, "forbidden");
    const asOperator = await api(edge.base, "POST", "/api/v1/lines", { token: anna.token, body: { id: "x", name: "X" } });
    assert.equal(asOperator.status, 403);
  });

  test("invalid settings are refused naming the field, and nothing changes", async () => {
    const s = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
    const bad = await api(edge.base, "PUT", "/api/v1/lines/demo/settings", {
      token: admin.token,
      body: { ...s, pass_after_ms: 1000 },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "invalid_field");
    assert.match(bad.body.error.message, /^pass_after_ms/);
    const after = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
    assert.equal(after.pass_after_ms, s.pass_after_ms);
  });

  test("logging out ends the session", async () => {
    const b2 = await login(edge.base, "boris");
    assert.equal((await api(edge.base, "POST", "/api/v1/auth/logout", { token: b2.token })).status, 200);
    assert.equal((await api(edge.base, "GET", "/api/v1/me", { token: b2.token })).status, 401);
  });
});

describe("distribution modes", () => {
  test("strictly in order: the first operator is offered, then the next after the pass time", async () => {
    await makeLine(edge.base, admin, "strict", { mode: "strict_order", pass_after_ms: 60_000 });
    const a = await operatorSocket(edge.base, "strict", anna);
    const b = await operatorSocket(edge.base, "strict", boris);
    const v = await visitor(edge.base, "strict");
    await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
    assert.ok(!b.frames.some((f) => f.type === "offer" && f.dialog === v.dialog), "boris waits his turn");
    // One core minute is one real second at the test time scale.
    await a.next((f) => f.type === "revoke" && f.dialog === v.dialog, 15_000);
    await b.next((f) => f.type === "offer" && f.dialog === v.dialog, 15_000);
    a.close();
    b.close();
  });

  test("evenly: two new dialogs go to two different operators", async () => {
    await makeLine(edge.base, admin, "even", { mode: "evenly" });
    const a = await operatorSocket(edge.base, "even", anna);
    const b = await operatorSocket(edge.base, "even", boris);
    const v1 = await visitor(edge.base, "even");
    const v2 = await visitor(edge.base, "even");
    const o1 = await Promise.race([
      a.next((f) => f.type === "offer" && f.dialog === v1.dialog).then(() => "anna"),
      b.next((f) => f.type === "offer" && f.dialog === v1.dialog).then(() => "boris"),
    ]);
    const o2 = await Promise.race([
      a.next((f) => f.type === "offer" && f.dialog === v2.dialog).then(() => "anna"),
      b.next((f) => f.type === "offer" && f.dialog === v2.dialog).then(() => "boris"),
    ]);
    assert.notEqual(o1, o2);
    a.close();
    b.close();
  });

  test("all at once: everyone is offered, the first to accept wins, the rest are revoked", async () => {
    await makeLine(edge.base, admin, "all", { mode: "all_at_once" });
    const a = await operatorSocket(edge.base, "all", anna);
    const b = await operatorSocket(edge.base, "all", boris);
    const v = await visitor(edge.base, "all");
    await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
    await b.next((f) => f.type === "offer" && f.dialog === v.dialog);
    const acc = await api(edge.base, "POST", `/api/v1/lines/all/dialogs/${v.dialog}/accept`, { token: boris.token });
    assert.equal(acc.status, 200);
    await a.next((f) => f.type === "revoke" && f.dialog === v.dialog);
    const late = await api(edge.base, "POST", `/api/v1/lines/all/dialogs/${v.dialog}/accept`, { token: anna.token });
    assert.equal(late.status, 403);
    a.close();
    b.close();
  });
});

describe("dialogs", () => {
  test("hidden messages reach operators but never the visitor's socket or history", async () => {
    await makeLine(edge.base, admin, "hidden", { mode: "strict_order" });
    const a = await operatorSocket(edge.base, "hidden", anna);
    const v = await visitor(edge.base, "hidden");
    const vs = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v.token}`));
    await vs.next((f) => f.type === "welcome");
    await visitorSays(edge.base, v, "Is the Gyokuro in stock?");
    await a.next((f) => f.type === "message" && f.message.text === "Is the Gyokuro in stock?");
    const send = (text, hidden) =>
      api(edge.base, "POST", `/api/v1/lines/hidden/dialogs/${v.dialog}/messages`, {
        token: anna.token,
        body: { client_id: `h${Math.random().toString(36).slice(2)}`, text, hidden },
      });
    assert.equal((await send("Boris, do we have Gyokuro?", true)).status, 201);
    await a.next((f) => f.type === "message" && f.hidden === true);
    assert.equal((await send("Yes, we have 12 packs.", false)).status, 201);
    const seen = await vs.next((f) => f.type === "message" && f.message.text === "Yes, we have 12 packs.");
    assert.equal(seen.message.author.kind, "operator");
    assert.ok(!vs.frames.some((f) => JSON.stringify(f).includes("Boris, do we")), "no hidden text on the visitor's socket");
    const hist = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token });
    assert.deepEqual(hist.body.messages.map((m) => m.text), ["Is the Gyokuro in stock?", "Yes, we have 12 packs."]);
    const opHist = await api(edge.base, "GET", `/api/v1/lines/hidden/dialogs/${v.dialog}/messages`, { token: anna.token });
    assert.equal(opHist.body.messages.length, 3);
    vs.close();
    a.close();
  });

  test("a transfer to another operator keeps the history, and closing asks the visitor to rate", async () => {
    await makeLine(edge.base, admin, "transfer", { mode: "strict_order" });
    const a = await operatorSocket(edge.base, "transfer", anna);
    const b = await operatorSocket(edge.base, "transfer", boris);
    const v = await visitor(edge.base, "transfer");
    await visitorSays(edge.base, v, "I need a wholesale price list.");
    await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
    await api(edge.base, "POST", `/api/v1/lines/transfer/dialogs/${v.dialog}/accept`, { token: anna.token });
    const t = await api(edge.base, "POST", `/api/v1/lines/transfer/dialogs/${v.dialog}/transfer`, {
      token: anna.token,
      body: { to: { kind: "operator", id: boris.id } },
    });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    await b.next((f) => f.type === "offer" && f.dialog === v.dialog);
    const hist = await api(edge.base, "GET", `/api/v1/lines/transfer/dialogs/${v.dialog}/messages`, { token: boris.token });
    assert.equal(hist.status, 200);
    assert.deepEqual(hist.body.messages.map((m) => m.text), ["I need a wholesale price list."]);
    await api(edge.base, "POST", `/api/v1/lines/transfer/dialogs/${v.dialog}/accept`, { token: boris.token });
    const close = await api(edge.base, "POST", `/api/v1/lines/transfer/dialogs/${v.dialog}/close`, { token: boris.token });
    assert.equal(close.status, 200);
    const after = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token });
    assert.ok(after.body.messages.some((m) => m.kind === "rating_request"));
    const rate = await api(edge.base, "POST", "/api/v1/visitor/rating", { token: v.token, body: { score: 5, comment: "Quick and kind" } });
    assert.equal(rate.status, 200);
    a.close();
    b.close();
  });

  test("C7: writing to an unknown client fails with client_not_found and stores nothing", async () => {
    const key = { "X-Api-Key": "test-api-key" };
    const missing = await api(edge.base, "POST", "/api/v1/lines/demo/clients/nobody/messages", {
      headers: key,
      body: { client_id: "ext-1", text: "Your order has shipped" },
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "client_not_found");
    assert.equal(missing.body.error.message, "client with a connected open line not found");
    const noKey = await api(edge.base, "POST", "/api/v1/lines/demo/clients/nobody/messages", { body: { client_id: "e", text: "x" } });
    assert.equal(noKey.status, 401);
    const v = await visitor(edge.base, "demo");
    const ok = await api(edge.base, "POST", `/api/v1/lines/demo/clients/${v.client}/messages`, {
      headers: key,
      body: { client_id: "ext-2", text: "Your order has shipped" },
    });
    assert.equal(ok.status, 201);
    const hist = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token });
    assert.deepEqual(hist.body.messages.map((m) => m.text), ["Your order has shipped"]);
  });

  test("a visitor reaches only their own dialog", async () => {
    const v1 = await visitor(edge.base, "demo");
    const v2 = await visitor(edge.base, "demo");
    await visitorSays(edge.base, v1, "private to v1");
    const [, secret2] = v2.token.split(".");
    const mixed = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: `${v1.dialog}.${secret2}` });
    assert.equal(mixed.status, 401);
    const own = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v2.token });
    assert.deepEqual(own.body.messages, []);
    const asOperator = await api(edge.base, "GET", `/api/v1/lines/demo/dialogs/${v1.dialog}/messages`, { token: v2.token });
    assert.equal(asOperator.status, 401);
  });

  test("a resent message is stored once, and the visitor's socket resumes from its last sequence", async () => {
    const v = await visitor(edge.base, "demo");
    const first = await visitorSays(edge.base, v, "one", "same-id");
    const again = await visitorSays(edge.base, v, "one", "same-id");
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.equal(again.body.seq, first.body.seq);
    await visitorSays(edge.base, v, "two");
    await visitorSays(edge.base, v, "three");
    const vs = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v.token}`));
    vs.send({ type: "hello", protocol: 1, after: 1 });
    await vs.next((f) => f.type === "message" && f.message.text === "three");
    const texts = vs.frames.filter((f) => f.type === "message").map((f) => f.message.text);
    assert.deepEqual(texts, ["two", "three"]);
    vs.send({ type: "nonsense" });
    const err = await vs.next((f) => f.type === "error");
    assert.equal(err.error.code, "bad_request");
    vs.close();
  });
});

describe("rate limits", () => {
  test("repeated failed logins for one account are refused with 429", async () => {
    // The limiter counts 10 per fixed 60 s window; the attempts may straddle
    // a window's end (the count starts again), so allow up to two windows'.
    const statuses = [];
    for (let i = 0; i < 25; i++) {
      const r = await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "mallory", password: "guess-" + i } });
      statuses.push(r.status);
      if (r.status === 429) {
        assert.equal(r.body.error.code, "rate_limited");
        break;
      }
    }
    assert.equal(statuses.at(-1), 429, `statuses: ${statuses}`);
    assert.ok(statuses.length > 10, `at least ten ordinary refusals first: ${statuses}`);
    assert.ok(statuses.slice(0, -1).every((s) => s === 401), "until then, ordinary refusals");
    // Another account is not affected.
    assert.equal((await login(edge.base, "sveta")).id.length > 0, true);
  });

  test("an account guessed at from many addresses locks with back-off, and its password works again afterwards", async () => {
    const created = await api(edge.base, "POST", "/api/v1/accounts", {
      token: admin.token,
      body: { login: "lena", name: "Lena", role: "operator", password: "lena-password" },
    });
    assert.equal(created.status, 201);
    const attempt = (password, i) =>
      api(edge.base, "POST", "/api/v1/auth/login", {
        body: { login: "lena", password },
        headers: { "CF-Connecting-IP": `198.18.7.${i}` },
      });
    for (let i = 0; i < 5; i++) assert.equal((await attempt(`guess-${i}`, i)).status, 401);
    // Locked now, for everyone: even the right password waits.
    const locked = await attempt("lena-password", 100);
    assert.equal(locked.status, 429);
    assert.match(locked.body.error.message, /too many failed logins for this account/);
    // After the lock, the owner gets in, and the count starts afresh.
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal((await attempt("lena-password", 101)).status, 200);
    assert.equal((await attempt("guess-again", 102)).status, 401);
    assert.equal((await attempt("lena-password", 103)).status, 200);
  });
});

describe("line membership", () => {
  test("an operator reaches only the lines whose queue holds them: every line route refuses the others", async () => {
    const created = await api(edge.base, "POST", "/api/v1/accounts", {
      token: admin.token,
      body: { login: "olaf", name: "Olaf", role: "operator", password: "olaf-password" },
    });
    assert.equal(created.status, 201);
    const signedIn = await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "olaf", password: "olaf-password" } });
    const olaf = { token: signedIn.body.token, id: signedIn.body.account.id };
    await makeLine(edge.base, admin, "olafs", { queueLogins: ["olaf"] });
    // A dialog on the demo line that Olaf must not see or touch.
    const v = await visitor(edge.base, "demo");
    await visitorSays(edge.base, v, "Private question");
    const demo = "/api/v1/lines/demo";
    const attempts = [
      ["GET", `${demo}/dialogs`],
      ["GET", `${demo}/operators`],
      ["GET", `${demo}/quick-answers`],
      ["POST", `${demo}/quick-answers`, { text: "planted" }],
      ["GET", `${demo}/clients/${v.client}`],
      ["POST", `${demo}/presence`, { presence: "online" }],
      ["POST", `${demo}/working-day`, { started: true }],
      ["POST", `${demo}/dialogs/${v.dialog}/accept`, {}],
      ["GET", `${demo}/dialogs/${v.dialog}/messages`],
      ["GET", `${demo}/ws?token=${olaf.token}`],
    ];
    for (const [method, path, body] of attempts) {
      const r = await api(edge.base, method, path, { token: olaf.token, body });
      assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "forbidden");
    }
    // His own line works, and it is the only one he is shown.
    assert.equal((await api(edge.base, "GET", "/api/v1/lines/olafs/dialogs", { token: olaf.token })).status, 200);
    const lines = await api(edge.base, "GET", "/api/v1/lines", { token: olaf.token });
    assert.deepEqual(lines.body.map((l) => l.id), ["olafs"]);
    // Anna, of the demo line, is refused on Olaf's; a supervisor oversees both.
    assert.equal((await api(edge.base, "GET", "/api/v1/lines/olafs/dialogs", { token: anna.token })).status, 403);
    assert.equal((await api(edge.base, "GET", "/api/v1/lines/olafs/dialogs", { token: sveta.token })).status, 200);
    // Nothing Olaf tried changed the demo line.
    const qa = await api(edge.base, "GET", `${demo}/quick-answers?q=planted`, { token: anna.token });
    assert.equal(qa.body.quick_answers.length, 0);
  });
});

describe("idempotency keys", () => {
  test("a client id is a key per author: nobody gets someone else's message by reusing its id", async () => {
    await makeLine(edge.base, admin, "keys", { mode: "strict_order", queueLogins: ["anna"] });
    const a = await operatorSocket(edge.base, "keys", anna);
    const v = await visitor(edge.base, "keys");
    await visitorSays(edge.base, v, "Hello", "v-hello");
    await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
    await api(edge.base, "POST", `/api/v1/lines/keys/dialogs/${v.dialog}/accept`, { token: anna.token });
    const say = (clientId, text, hidden = false) =>
      api(edge.base, "POST", `/api/v1/lines/keys/dialogs/${v.dialog}/messages`, { token: anna.token, body: { client_id: clientId, text, hidden } });
    // An operator's hidden note, then a visitor who sends the same id.
    assert.equal((await say("shared-1", "Internal: VIP customer", true)).status, 201);
    const mine = await visitorSays(edge.base, v, "My own words", "shared-1");
    assert.equal(mine.status, 201);
    assert.equal(mine.body.text, "My own words");
    assert.equal(mine.body.author.kind, "visitor");
    // A visitor's id taken first does not swallow the operator's message.
    assert.equal((await visitorSays(edge.base, v, "Second", "shared-2")).status, 201);
    const reply = await say("shared-2", "Operator reply");
    assert.equal(reply.status, 201);
    assert.equal(reply.body.text, "Operator reply");
    // Resends by the same author are still answered with the stored copy.
    assert.equal((await visitorSays(edge.base, v, "My own words", "shared-1")).status, 200);
    const seen = (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token })).body.messages;
    assert.ok(!seen.some((m) => m.text.startsWith("Internal")), "the hidden note never reaches the visitor");
    assert.ok(seen.some((m) => m.text === "Operator reply"));
    a.close();
  });

  test("the numbers a visitor sees count only visible messages: hidden notes leave no gaps", async () => {
    await makeLine(edge.base, admin, "gaps", { mode: "strict_order", queueLogins: ["anna"] });
    const a = await operatorSocket(edge.base, "gaps", anna);
    const v = await visitor(edge.base, "gaps");
    const vs = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v.token}`));
    await vs.next((f) => f.type === "welcome");
    await visitorSays(edge.base, v, "Hello there", "g-1");
    await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
    await api(edge.base, "POST", `/api/v1/lines/gaps/dialogs/${v.dialog}/accept`, { token: anna.token });
    const say = (clientId, text, hidden = false) =>
      api(edge.base, "POST", `/api/v1/lines/gaps/dialogs/${v.dialog}/messages`, { token: anna.token, body: { client_id: clientId, text, hidden } });
    for (let i = 0; i < 3; i++) assert.equal((await say(`note-${i}`, `Internal ${i}`, true)).status, 201);
    assert.equal((await say("answer", "Good afternoon!")).status, 201);
    assert.equal((await say("note-late", "Internal late", true)).status, 201);
    const second = await visitorSays(edge.base, v, "Thanks", "g-2");
    assert.equal(second.body.seq, 3, "the visitor's own reply is number 3 of what they see");
    const live = await vs.next((f) => f.type === "message" && f.message.text === "Good afternoon!");
    assert.equal(live.message.seq, 2, "the answer arrives live as number 2, after the visitor's 1");
    const seen = (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token })).body.messages;
    assert.deepEqual(seen.map((m) => m.seq), seen.map((_, i) => i + 1), "no gaps where the notes are");
    assert.deepEqual(seen.map((m) => m.text), ["Hello there", "Good afternoon!", "Thanks"]);
    // Reading on from a number the visitor has, and the socket's replay.
    const rest = (await api(edge.base, "GET", "/api/v1/visitor/messages?after=1", { token: v.token })).body.messages;
    assert.deepEqual(rest.map((m) => m.text), ["Good afternoon!", "Thanks"]);
    const replay = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v.token}`));
    replay.send({ type: "hello", protocol: 1, after: 2 });
    const again = await replay.next((f) => f.type === "message");
    assert.equal(again.message.text, "Thanks");
    // The operator still reads every message in the line's own numbering.
    const all = (await api(edge.base, "GET", `/api/v1/lines/gaps/dialogs/${v.dialog}/messages`, { token: anna.token })).body.messages;
    assert.equal(all.length, 7);
    assert.equal(all.find((m) => m.text === "Thanks").seq, 7);
    replay.close();
    vs.close();
    a.close();
  });
});

describe("transfers", () => {
  test("a transfer to a missing line or to the dialog's own line is refused and the dialog stays; a real one moves people", async () => {
    await makeLine(edge.base, admin, "from", { mode: "strict_order", queueLogins: ["anna"] });
    await makeLine(edge.base, admin, "to", { mode: "strict_order", queueLogins: ["boris"] });
    const a = await operatorSocket(edge.base, "from", anna);
    const b = await operatorSocket(edge.base, "to", boris);
    const v = await visitor(edge.base, "from");
    await visitorSays(edge.base, v, "I need the wholesale team");
    await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
    await api(edge.base, "POST", `/api/v1/lines/from/dialogs/${v.dialog}/accept`, { token: anna.token });
    const transfer = (line) =>
      api(edge.base, "POST", `/api/v1/lines/from/dialogs/${v.dialog}/transfer`, { token: anna.token, body: { to: { kind: "line", id: line } } });
    const missing = await transfer("no-such-line");
    assert.equal(missing.status, 404);
    const own = await transfer("from");
    assert.equal(own.status, 400);
    // Over the socket too.
    a.send({ type: "transfer", dialog: v.dialog, to: { kind: "line", id: "no-such-line" } });
    assert.equal((await a.next((f) => f.type === "error")).error.code, "not_found");
    // The dialog is still Anna's: the visitor's next words reach her.
    const list = (await api(edge.base, "GET", "/api/v1/lines/from/dialogs", { token: anna.token })).body.dialogs;
    assert.equal(list.find((d) => d.id === v.dialog).status.state, "active");
    await visitorSays(edge.base, v, "Still there?");
    await a.next((f) => f.type === "message" && f.message.text === "Still there?");
    // A real transfer: Boris gets the dialog, and Anna no longer hears it.
    assert.equal((await transfer("to")).status, 200);
    await b.next((f) => f.type === "offer" && f.dialog === v.dialog);
    await api(edge.base, "POST", `/api/v1/lines/to/dialogs/${v.dialog}/accept`, { token: boris.token });
    await visitorSays(edge.base, v, "After the transfer");
    await b.next((f) => f.type === "message" && f.message.text === "After the transfer");
    await api(edge.base, "POST", `/api/v1/lines/to/dialogs/${v.dialog}/messages`, { token: boris.token, body: { client_id: "b-note", text: "Note for us", hidden: true } });
    await b.next((f) => f.type === "message" && f.message.text === "Note for us");
    assert.ok(!a.frames.some((f) => f.type === "message" && ["After the transfer", "Note for us"].includes(f.message.text)));
    a.close();
    b.close();
  });
});

describe("quick answers, contacts and consents", () => {
  test("QA1: operators save and search quick answers; supervisors edit and delete them", async () => {
    const base = "/api/v1/lines/demo/quick-answers";
    const bulk = await api(edge.base, "POST", base, {
      token: admin.token,
      body: { items: [
        { group: "Shipping", title: "EU delivery", text: "We ship within two working days across the EU." },
        { group: "Greetings", title: "Hello", text: "Hello! How can I help you today?" },
      ] },
    });
    assert.equal(bulk.status, 201);
    const saved = await api(edge.base, "POST", base, { token: anna.token, body: { text: "Our shop is open 9–18." } });
    assert.equal(saved.status, 201);
    assert.equal(saved.body.quick_answers[0].group, "General");
    const found = await api(edge.base, "GET", `${base}?q=ship`, { token: anna.token });
    assert.deepEqual(found.body.quick_answers.map((q) => q.title), ["EU delivery"]);
    const id = found.body.quick_answers[0].id;
    // Issue 15: administrators change them; operators and supervisors use them.
    assert.equal((await api(edge.base, "PUT", `${base}/${id}`, { token: anna.token, body: { text: "x" } })).status, 403);
    assert.equal((await api(edge.base, "PUT", `${base}/${id}`, { token: sveta.token, body: { text: "x" } })).status, 403);
    const edited = await api(edge.base, "PUT", `${base}/${id}`, { token: admin.token, body: { group: "Shipping", title: "EU delivery", text: "We ship in 1–2 days." } });
    assert.equal(edited.body.text, "We ship in 1–2 days.");
    const empty = await api(edge.base, "POST", base, { token: anna.token, body: { text: "   " } });
    assert.equal(empty.status, 400);
    assert.equal((await api(edge.base, "DELETE", `${base}/${id}`, { token: admin.token })).status, 200);
    const after = await api(edge.base, "GET", `${base}?q=ship`, { token: anna.token });
    assert.equal(after.body.quick_answers.length, 0);
    // Deleting it again changes nothing, and says so.
    const again = await api(edge.base, "DELETE", `${base}/${id}`, { token: admin.token });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, "not_found");
  });

  test("A1: contacts need consent to the current text; consents are listed with version and time", async () => {
    const settings = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
    settings.consent = { version: 3, text: "I agree to the processing of my personal data by Northwind Tea." };
    assert.equal((await api(edge.base, "PUT", "/api/v1/lines/demo/settings", { token: admin.token, body: settings })).status, 200);
    const cfg = await api(edge.base, "GET", "/api/v1/lines/demo/widget");
    assert.equal(cfg.body.consent.version, 3);

    const v = await visitor(edge.base, "demo");
    const leave = (body) => api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body });
    const noConsent = await leave({ name: "Olga", email: "olga@example.com" });
    assert.equal(noConsent.status, 400);
    assert.match(noConsent.body.error.message, /^consent/);
    const stale = await leave({ email: "olga@example.com", consent_version: 2 });
    assert.equal(stale.status, 400);
    const badEmail = await leave({ email: "olga-at-example", consent_version: 3 });
    assert.match(badEmail.body.error.message, /^email/);
    assert.equal((await leave({ name: "Olga", email: "olga@example.com", consent_version: 3 })).status, 200);

    const consents = await api(edge.base, "GET", "/api/v1/lines/demo/consents", { token: sveta.token });
    const mine = consents.body.consents.filter((c) => c.client === v.client);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].version, 3);
    assert.ok(mine[0].at > 0);
    assert.equal((await api(edge.base, "GET", "/api/v1/lines/demo/consents", { token: anna.token })).status, 403);

    const card = await api(edge.base, "GET", `/api/v1/lines/demo/clients/${v.client}`, { token: anna.token });
    assert.equal(card.body.contacts.email, "olga@example.com");
    assert.equal(card.body.dialogs.length, 1);
    assert.equal(card.body.dialogs[0].id, v.dialog);
    // An empty field never overwrites what the client left before.
    assert.equal((await leave({ name: "  ", phone: "+351 21 000 0000", consent_version: 3 })).status, 200);
    const again = (await api(edge.base, "GET", `/api/v1/lines/demo/clients/${v.client}`, { token: anna.token })).body;
    assert.equal(again.contacts.name, "Olga");
    assert.equal(again.contacts.email, "olga@example.com");
    assert.equal(again.contacts.phone, "+351 21 000 0000");
  });
});

describe("allowed origins", () => {
  test("a line restricted to its shop refuses other sites' pages, before and after the session starts", async () => {
    await makeLine(edge.base, admin, "origins", { allowed_origins: ["https://shop.example"] });
    const from = (origin) => ({ Origin: origin });
    const evilCfg = await api(edge.base, "GET", "/api/v1/lines/origins/widget", { headers: from("https://evil.example") });
    assert.equal(evilCfg.status, 403);
    assert.equal(evilCfg.body.error.code, "forbidden");
    assert.equal((await api(edge.base, "GET", "/api/v1/lines/origins/widget", { headers: from("https://shop.example") })).status, 200);
    const evilStart = await api(edge.base, "POST", "/api/v1/visitor/sessions", { headers: from("https://evil.example"), body: { line: "origins" } });
    assert.equal(evilStart.status, 403);
    const ok = await api(edge.base, "POST", "/api/v1/visitor/sessions", { headers: from("https://shop.example"), body: { line: "origins" } });
    assert.equal(ok.status, 201);
    const send = (origin) =>
      api(edge.base, "POST", "/api/v1/visitor/messages", {
        token: ok.body.token,
        headers: from(origin),
        body: { client_id: `o${Math.random().toString(36).slice(2)}`, text: "hi" },
      });
    assert.equal((await send("https://evil.example")).status, 403);
    assert.equal((await send("https://shop.example")).status, 201);
    const bad = await makeLine(edge.base, admin, "origins-bad").catch((e) => e);
    assert.ok(!(bad instanceof Error));
    const s = (await api(edge.base, "GET", "/api/v1/lines/origins-bad/settings", { token: admin.token })).body;
    const refused = await api(edge.base, "PUT", "/api/v1/lines/origins-bad/settings", { token: admin.token, body: { ...s, allowed_origins: ["shop.example/path"] } });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /^allowed_origins/);
  });
});
