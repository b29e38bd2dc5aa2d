// The outbox: an e-mail copy of a dialog (F3) goes through a mail API that
// fails once and then accepts; it is retried and delivered exactly once,
// without hidden messages. Without a mail API the dev mailbox captures it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSays, visitor, visitorSays, until } from "./client.mjs";

let mailApi;
const received = [];
let calls = 0;
let edge;
let devEdge;

before(async () => {
  mailApi = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(503).end("try later");
        return;
      }
      received.push({ auth: req.headers.authorization, mail: JSON.parse(body) });
      res.writeHead(202, { "Content-Type": "application/json" }).end("{}");
    });
  });
  await new Promise((r) => mailApi.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${mailApi.address().port}/send`;
  edge = await startEdge({ vars: { OPENLINE_MAIL_API_URL: url } });
});

after(async () => {
  await edge?.stop();
  await devEdge?.stop();
  mailApi?.close();
});


test("F3: an e-mail copy is retried after a mail API failure and delivered once, without hidden messages", async () => {
  const admin = await login(edge.base, "admin");
  const anna = await login(edge.base, "anna");
  await makeLine(edge.base, admin, "mail", { mode: "strict_order" });
  const v = await visitor(edge.base, "mail");
  const firstSaid = new Date();
  await visitorSays(edge.base, v, "Which tea for a cold evening?");
  await visitorSays(edge.base, v, '<a href="https://evil.example/win">Claim your prize</a>');
  // Nobody is online: Anna picks the waiting dialog from the queue.
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/mail/dialogs/${v.dialog}/accept`, { token: anna.token })).status, 200);
  const say = (text, hidden) => operatorSays(edge.base, anna, "mail", v.dialog, text, hidden);
  assert.equal((await say("internal: upsell the Lapsang", true)).status, 201);
  assert.equal((await say("Try our Lapsang Souchong.", false)).status, 201);

  const bad = await api(edge.base, "POST", "/api/v1/visitor/email-copy", { token: v.token, body: { email: "not-an-address" } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /^email/);
  const queued = await api(edge.base, "POST", "/api/v1/visitor/email-copy", {
    token: v.token,
    body: { email: "olga@example.com", time_zone: "Asia/Tokyo" },
  });
  assert.equal(queued.status, 202);

  await until(() => received.length === 1, "the retried delivery");
  assert.equal(calls, 2, "one failure, one success");
  const { mail } = received[0];
  assert.equal(mail.to, "olga@example.com");
  // The subject names the company and the day (in the visitor's zone); each
  // message has its time and its author's name.
  const tokyoDay = (at) =>
    new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Tokyo", day: "numeric", month: "short", year: "numeric" }).format(at).replace("Sept", "Sep");
  const days = new Set([tokyoDay(firstSaid), tokyoDay(new Date())]);
  assert.ok(days.has(mail.subject.replace("Your conversation with Line mail, ", "")), mail.subject);
  assert.match(mail.text, /Times in Asia\/Tokyo/);
  assert.match(mail.text, /\d\d:\d\d You: Which tea for a cold evening\?/);
  assert.match(mail.text, /\d\d:\d\d Anna: Try our Lapsang Souchong\./);
  assert.doesNotMatch(mail.text, /upsell/);
  // The text part shows what the visitor wrote literally; the HTML part
  // escapes it, so it is never a clickable link in a mail client.
  assert.deepEqual(Object.keys(mail).sort(), ["from", "html", "subject", "text", "to"]);
  assert.ok(mail.text.includes('<a href="https://evil.example/win">Claim your prize</a>'), "shown literally");
  assert.ok(!mail.html.includes('<a href="https://evil.example'), "no live link in the HTML part");
  assert.ok(mail.html.includes("&lt;a href=&quot;https://evil.example/win&quot;&gt;Claim your prize&lt;/a&gt;"));
  assert.doesNotMatch(mail.html, /upsell/);
  const box = await api(edge.base, "GET", "/api/v1/dev/mailbox");
  assert.equal(box.body.mail[0].status, "sent");
  assert.equal(box.body.mail[0].attempts, 2);

  // Not a relay: one conversation sends at most three copies, wherever to.
  for (const to of ["a@example.com", "b@example.com"]) {
    const more = await api(edge.base, "POST", "/api/v1/visitor/email-copy", { token: v.token, body: { email: to } });
    assert.equal(more.status, 202);
  }
  const fourth = await api(edge.base, "POST", "/api/v1/visitor/email-copy", { token: v.token, body: { email: "c@example.com" } });
  assert.equal(fourth.status, 429);
  assert.equal(fourth.body.error.code, "rate_limited");
});

test("without a mail API the local mailbox captures the e-mail", async () => {
  devEdge = await startEdge();
  const v = await visitor(devEdge.base, "demo");
  await visitorSays(devEdge.base, v, "Please send me this chat");
  const queued = await api(devEdge.base, "POST", "/api/v1/visitor/email-copy", { token: v.token, body: { email: "ivan@example.ru" } });
  assert.equal(queued.status, 202);
  const box = await until(async () => {
    const b = await api(devEdge.base, "GET", "/api/v1/dev/mailbox");
    return b.body.mail.find((m) => m.to_addr === "ivan@example.ru" && m.status === "captured");
  }, "the captured mail");
  assert.match(box.body, /Please send me this chat/);
});
