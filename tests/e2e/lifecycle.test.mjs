// Issue 10: conversations never stall. Against a real `wrangler dev` (core
// time 60× faster: the one-minute pass-on time is one real second): a dialog
// taken and not answered passes on (T1) in each distribution mode, an
// operator whose console goes away loses offers and unanswered dialogs (Q7),
// and the unclosed-dialog limit (Q12) holds on every way to gain a dialog.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSocket, until, visitor } from "./client.mjs";

let edge;
let admin, anna, boris;

before(async () => {
  edge = await startEdge();
  [admin, anna, boris] = await Promise.all(["admin", "anna", "boris"].map((w) => login(edge.base, w)));
});
after(async () => edge?.stop());

const accept = (line, dialog, who) => api(edge.base, "POST", `/api/v1/lines/${line}/dialogs/${dialog}/accept`, { token: who.token });
const answer = (line, dialog, who, text, hidden = false) =>
  api(edge.base, "POST", `/api/v1/lines/${line}/dialogs/${dialog}/messages`, {
    token: who.token,
    body: { client_id: `a${Math.random().toString(36).slice(2)}`, text, hidden },
  });
const dialogs = async (line, who = admin) => (await api(edge.base, "GET", `/api/v1/lines/${line}/dialogs`, { token: who.token })).body.dialogs;
const stateOf = async (line, dialog) => (await dialogs(line)).find((d) => d.id === dialog)?.status;
const offered = (s, dialog) => s.next((f) => f.type === "offer" && f.dialog === dialog, 15_000);
const passedOn = (s, dialog) =>
  s.next((f) => f.type === "notify" && f.notice.kind === "passed_on" && f.notice.dialog === dialog, 15_000);

describe("T1: a dialog passes on until someone answers", () => {
  test("strictly in order: taken and not answered, it goes to the next operator, and the one who let it pass is told", async () => {
    await makeLine(edge.base, admin, "t1strict", { mode: "strict_order", pass_after_ms: 60_000 });
    const a = await operatorSocket(edge.base, "t1strict", anna);
    const b = await operatorSocket(edge.base, "t1strict", boris);
    const v = await visitor(edge.base, "t1strict");
    await offered(a, v.dialog);
    assert.equal((await accept("t1strict", v.dialog, anna)).status, 200);
    // A hidden note is not an answer.
    assert.equal((await answer("t1strict", v.dialog, anna, "note to self", true)).status, 201);
    await passedOn(a, v.dialog);
    assert.ok(a.frames.some((f) => f.type === "revoke" && f.dialog === v.dialog));
    await offered(b, v.dialog);
    // Boris answers: the dialog is his and stays his.
    assert.equal((await answer("t1strict", v.dialog, boris, "Hello, Boris here")).status, 201);
    await new Promise((r) => setTimeout(r, 3_000)); // three pass-on times
    const s = await stateOf("t1strict", v.dialog);
    assert.equal(s.state, "active");
    assert.equal(s.operator, boris.id);
    assert.ok(!b.frames.some((f) => f.type === "notify" && f.notice.kind === "passed_on"), "an answer stops the pass-on");
    a.close();
    b.close();
  });

  test("evenly: the accepted silent dialog goes to the other operator", async () => {
    await makeLine(edge.base, admin, "t1even", { mode: "evenly", pass_after_ms: 60_000 });
    const a = await operatorSocket(edge.base, "t1even", anna);
    const b = await operatorSocket(edge.base, "t1even", boris);
    const v = await visitor(edge.base, "t1even");
    const [first, firstSocket, other] = await Promise.race([
      offered(a, v.dialog).then(() => [anna, a, b]),
      offered(b, v.dialog).then(() => [boris, b, a]),
    ]);
    assert.equal((await accept("t1even", v.dialog, first)).status, 200);
    await passedOn(firstSocket, v.dialog);
    await offered(other, v.dialog);
    a.close();
    b.close();
  });

  test("all at once: when the one who took it stays silent, it is offered to the others again", async () => {
    await makeLine(edge.base, admin, "t1all", { mode: "all_at_once", pass_after_ms: 60_000 });
    const a = await operatorSocket(edge.base, "t1all", anna);
    const b = await operatorSocket(edge.base, "t1all", boris);
    const v = await visitor(edge.base, "t1all");
    await offered(a, v.dialog);
    await offered(b, v.dialog);
    assert.equal((await accept("t1all", v.dialog, anna)).status, 200);
    await b.next((f) => f.type === "revoke" && f.dialog === v.dialog);
    const offersToBoris = () => b.frames.filter((f) => f.type === "offer" && f.dialog === v.dialog).length;
    assert.equal(offersToBoris(), 1);
    await passedOn(a, v.dialog);
    await until(() => offersToBoris() === 2, "a second offer to boris");
    const s = await stateOf("t1all", v.dialog);
    assert.equal(s.state, "offered");
    assert.deepEqual(s.to, [boris.id]);
    a.close();
    b.close();
  });
});

describe("Q7: presence", () => {
  test("closing the console withdraws offers and returns unanswered dialogs to the queue; answered ones stay", async () => {
    await makeLine(edge.base, admin, "q7", { mode: "strict_order", pass_after_ms: 30 * 60_000 });
    const a = await operatorSocket(edge.base, "q7", anna);
    const [v1, v2, v3] = [await visitor(edge.base, "q7"), await visitor(edge.base, "q7"), await visitor(edge.base, "q7")];
    for (const v of [v1, v2, v3]) await offered(a, v.dialog);
    assert.equal((await accept("q7", v2.dialog, anna)).status, 200);
    assert.equal((await answer("q7", v3.dialog, anna, "Answered")).status, 201);
    a.close();
    await until(async () => (await stateOf("q7", v1.dialog)).state === "queued", "the offer withdrawn");
    await until(async () => (await stateOf("q7", v2.dialog)).state === "queued", "the unanswered dialog requeued");
    const kept = await stateOf("q7", v3.dialog);
    assert.equal(kept.state, "active");
    assert.equal(kept.operator, anna.id);
    // Boris comes online: the queue drains to him, oldest first.
    const b = await operatorSocket(edge.base, "q7", boris);
    await offered(b, v1.dialog);
    await offered(b, v2.dialog);
    const order = b.frames.filter((f) => f.type === "offer").map((f) => f.dialog);
    assert.ok(order.indexOf(v1.dialog) < order.indexOf(v2.dialog), "oldest first");
    b.close();
  });
});

describe("Q12: the unclosed-dialog limit", () => {
  test("picking from the queue and a transfer to someone at the limit are refused, naming the limit", async () => {
    await makeLine(edge.base, admin, "q12", { mode: "strict_order", pass_after_ms: 30 * 60_000, unclosed_limit: 1 });
    const a = await operatorSocket(edge.base, "q12", anna);
    const v1 = await visitor(edge.base, "q12");
    await offered(a, v1.dialog);
    assert.equal((await answer("q12", v1.dialog, anna, "Hello")).status, 201);
    // Anna is at her limit and Boris is away: the next dialog waits.
    const v2 = await visitor(edge.base, "q12");
    await until(async () => (await stateOf("q12", v2.dialog))?.state === "queued", "the second dialog queued");
    const pick = await accept("q12", v2.dialog, anna);
    assert.equal(pick.status, 409);
    assert.equal(pick.body.error.code, "limit_reached");
    assert.match(pick.body.error.message, /1 unclosed/);
    assert.equal((await stateOf("q12", v2.dialog)).state, "queued", "nothing changed");
    // Boris takes it, answers, and tries to hand it to Anna.
    assert.equal((await accept("q12", v2.dialog, boris)).status, 200);
    assert.equal((await answer("q12", v2.dialog, boris, "Hi")).status, 201);
    const t = await api(edge.base, "POST", `/api/v1/lines/q12/dialogs/${v2.dialog}/transfer`, {
      token: boris.token,
      body: { to: { kind: "operator", id: anna.id } },
    });
    assert.equal(t.status, 409);
    assert.equal(t.body.error.code, "limit_reached");
    assert.equal((await stateOf("q12", v2.dialog)).operator, boris.id);
    a.close();
  });
});

describe("Q12: the warning before the limit", () => {
  test("taking the dialog that leaves one before the limit warns the operator on her console", async () => {
    await makeLine(edge.base, admin, "q12near", { mode: "strict_order", pass_after_ms: 30 * 60_000, unclosed_limit: 2 });
    const a = await operatorSocket(edge.base, "q12near", anna);
    const v = await visitor(edge.base, "q12near");
    await offered(a, v.dialog);
    assert.equal((await answer("q12near", v.dialog, anna, "Hello")).status, 201);
    const warned = await a.next((f) => f.type === "notify" && f.notice.kind === "unclosed_limit_near");
    assert.deepEqual(warned.notice, { kind: "unclosed_limit_near", operator: anna.id, unclosed: 1, limit: 2 });
    a.close();
  });
});

describe("C7 after the conversation finished", () => {
  test("a message to a client whose dialog finished opens a new dialog, routed, which the visitor's next visit joins", async () => {
    const key = { "X-Api-Key": "test-api-key" };
    await makeLine(edge.base, admin, "c7new", { mode: "strict_order", pass_after_ms: 30 * 60_000, rating_wait_ms: 0 });
    const a = await operatorSocket(edge.base, "c7new", anna);
    const v = await visitor(edge.base, "c7new");
    await offered(a, v.dialog);
    assert.equal((await answer("c7new", v.dialog, anna, "Here you are")).status, 201);
    assert.equal((await api(edge.base, "POST", `/api/v1/lines/c7new/dialogs/${v.dialog}/close`, { token: anna.token })).status, 200);
    await until(async () => (await stateOf("c7new", v.dialog)).state === "finished", "the dialog finished");

    const sent = await api(edge.base, "POST", `/api/v1/lines/c7new/clients/${v.client}/messages`, {
      headers: key,
      body: { client_id: "crm-after", text: "Your refund was issued" },
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.equal(sent.body.opened, true);
    assert.notEqual(sent.body.dialog, v.dialog);
    assert.equal(sent.body.text, "Your refund was issued");
    const fresh = sent.body.dialog;
    // Routed like any other dialog, with the API's message first.
    await offered(a, fresh);
    const hist = await api(edge.base, "GET", `/api/v1/lines/c7new/dialogs/${fresh}/messages`, { token: anna.token });
    assert.deepEqual(hist.body.messages.map((m) => m.text), ["Your refund was issued"]);
    // A resend is stored once, in the same dialog.
    const again = await api(edge.base, "POST", `/api/v1/lines/c7new/clients/${v.client}/messages`, {
      headers: key,
      body: { client_id: "crm-after", text: "Your refund was issued" },
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.dialog, fresh);
    assert.equal(again.body.opened, false);
    // The visitor's browser, holding the finished dialog's token, joins it.
    const back = await visitor(edge.base, "c7new", { token: v.token, client_key: v.client_key, resume_only: true });
    assert.equal(back.dialog, fresh);
    assert.equal(back.client, v.client);
    assert.notEqual(back.token, v.token);
    const seen = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: back.token });
    assert.deepEqual(seen.body.messages.map((m) => m.text), ["Your refund was issued"]);
    // Someone else's browser, without that token, does not.
    const stranger = await api(edge.base, "POST", "/api/v1/visitor/sessions", { body: { line: "c7new", resume_only: true } });
    assert.equal(stranger.status, 204, "nothing to resume");
    assert.equal(stranger.body, "");
    a.close();
  });
});

describe("C1: logging in brings the anonymous past along", () => {
  test("a visitor who logs in keeps their previous operator (Q8) and the contacts they left anonymously", async () => {
    const SECRET = "lifecycle-identity-secret-2026";
    const sign = (id) => createHmac("sha256", SECRET).update(id).digest("hex");
    await makeLine(edge.base, admin, "merge", {
      mode: "strict_order",
      pass_after_ms: 30 * 60_000,
      rating_wait_ms: 0,
      return_to_previous_operator: true,
      identity_secret: SECRET,
    });
    const b = await operatorSocket(edge.base, "merge", boris); // Anna is away: Boris serves
    const v = await visitor(edge.base, "merge");
    assert.match(v.client_key, /^[0-9a-f]{64}$/);
    assert.equal((await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Olga", email: "olga@example.com" } })).status, 200);
    await offered(b, v.dialog);
    assert.equal((await answer("merge", v.dialog, boris, "Hello Olga")).status, 201);
    assert.equal((await api(edge.base, "POST", `/api/v1/lines/merge/dialogs/${v.dialog}/close`, { token: boris.token })).status, 200);
    await until(async () => (await stateOf("merge", v.dialog)).state === "finished", "finished");

    // Anna, first in the queue, is back; Olga returns, logged in on the site.
    const a = await operatorSocket(edge.base, "merge", anna);
    const logged = await visitor(edge.base, "merge", {
      client_key: v.client_key,
      identity: { user_id: "olga-77", hash: sign("olga-77") },
    });
    assert.notEqual(logged.client, v.client);
    assert.equal(logged.client_key, undefined, "verified users need no key");
    await offered(b, logged.dialog);
    assert.ok(!a.frames.some((f) => f.type === "offer" && f.dialog === logged.dialog), "not to Anna");
    const card = (await api(edge.base, "GET", `/api/v1/lines/merge/clients/${logged.client}`, { token: boris.token })).body;
    assert.equal(card.contacts?.email, "olga@example.com");
    assert.equal(card.contacts?.name, "Olga");
    // A made-up key is refused, not a silent new client.
    const bad = await api(edge.base, "POST", "/api/v1/visitor/sessions", { body: { line: "merge", client_key: "not-a-key" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "invalid_field");
    a.close();
    b.close();
  });
});

describe("T3: what happens when the client goes silent", () => {
  /** Anna answers a client who then says nothing; `also` connect first. */
  const silentClient = async (line, action, extra = {}, also = []) => {
    await makeLine(edge.base, admin, line, {
      mode: "strict_order",
      pass_after_ms: 60 * 60_000,
      auto_close: { after_ms: 60_000, message: "We closed this chat as you went quiet.", action },
      ...extra,
    });
    const a = await operatorSocket(edge.base, line, anna);
    const others = await Promise.all(also.map((op) => operatorSocket(edge.base, line, op)));
    const v = await visitor(edge.base, line);
    await offered(a, v.dialog);
    assert.equal((await accept(line, v.dialog, anna)).status, 200);
    assert.equal((await answer(line, v.dialog, anna, "Hello! How can I help?")).status, 201);
    return { a, v, others };
  };
  const history = async (v) => (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token })).body.messages;

  test("close with a message: the client reads it, and the rating is asked", async () => {
    const { a, v } = await silentClient("t3msg", "close_with_message");
    await until(async () => ["awaiting_rating", "finished"].includes((await stateOf("t3msg", v.dialog))?.state), "the close");
    const texts = (await history(v)).map((m) => m.text);
    assert.ok(texts.includes("We closed this chat as you went quiet."), JSON.stringify(texts));
    a.close();
  });

  test("close silently: closed, nothing said to the client", async () => {
    const { a, v } = await silentClient("t3quiet", "close_silently", { ask_rating: false });
    await until(async () => (await stateOf("t3quiet", v.dialog))?.state === "finished", "the close");
    const texts = (await history(v)).map((m) => m.text).filter(Boolean);
    assert.deepEqual(texts, ["Hello! How can I help?"]);
    a.close();
  });

  test("return to the queue: the operator is freed and the next one is offered the dialog; the client is told nothing", async () => {
    const { a, v, others: [bs] } = await silentClient("t3queue", "return_to_queue", {}, [boris]);
    await a.next((f) => f.type === "revoke" && f.dialog === v.dialog, 15_000);
    await offered(bs, v.dialog);
    const s = await stateOf("t3queue", v.dialog);
    assert.equal(s.state, "offered");
    assert.deepEqual(s.to, [boris.id]);
    const texts = (await history(v)).map((m) => m.text).filter(Boolean);
    assert.deepEqual(texts, ["Hello! How can I help?"]);
    a.close();
    bs.close();
  });
});
