// Issue 13, part 5 (F4/H4 by e-mail): a client who writes while nobody can
// answer — outside the line's working hours, or with no operator at work —
// or who leaves contacts in the busy/offline form, is told to the line's
// operators once per dialog: in their notification centre, and by e-mail
// (to a shared inbox when the line names one, else to each operator with an
// address), in the line's language, with the client's words and times.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, startEdge } from "./harness.mjs";
import { api, consolePage, login, makeLine, until, visitor, visitorSays } from "./client.mjs";

const PUBLIC = "https://chat.northwind.example";
let edge, admin, anna, browser;
before(async () => {
  edge = await startEdge({ vars: { OPENLINE_PUBLIC_URL: PUBLIC } });
  [admin, anna] = await Promise.all(["admin", "anna"].map((w) => login(edge.base, w)));
});
after(async () => {
  await browser?.close();
  await edge?.stop();
});

const mails = async (to) => (await api(edge.base, "GET", "/api/v1/dev/mailbox")).body.mail.filter((m) => m.to_addr === to);
const notices = async (line, who) => (await api(edge.base, "GET", `/api/v1/lines/${line}/notifications`, { token: who.token })).body.notifications.map((n) => n.notice);

test("outside working hours: the shared inbox gets the client's words once, then their contacts; the operators see both in the console's notices", async () => {
  // No working hours on any day: the line is always closed.
  await makeLine(edge.base, admin, "away-hours", {
    hours: { time_zone: "UTC", week: Array(7).fill([]), holidays: [] },
    away_notice: { mail_to: "desk@northwind.example" },
  });
  const v = await visitor(edge.base, "away-hours");
  assert.equal((await visitorSays(edge.base, v, "Is the <b>oolong</b> in stock?")).status, 201);
  assert.equal((await visitorSays(edge.base, v, "I need 500 g")).status, 201);
  const [first] = await until(async () => {
    const m = await mails("desk@northwind.example");
    return m.length >= 1 && m;
  }, "the mail about the client's words");
  assert.equal(first.subject, "Line away-hours: A client wrote outside working hours");
  assert.match(first.body, /They wrote while the line was closed/);
  assert.match(first.body, / \d\d:\d\d — Is the <b>oolong<\/b> in stock\?/);
  assert.match(first.body, new RegExp(`Answer: ${PUBLIC}/console/`));

  const left = await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Olga Petrova", email: "olga@example.com" } });
  assert.equal(left.status, 200, JSON.stringify(left.body));
  const box = await until(async () => {
    const m = await mails("desk@northwind.example");
    return m.length >= 2 && m;
  }, "the mail about the contacts");
  assert.equal(box.length, 2, "the second message was not mailed again");
  const contacts = box.find((m) => m.subject.includes("left their contacts"));
  assert.equal(contacts.subject, "Line away-hours: Olga Petrova left their contacts");
  assert.match(contacts.body, /E-mail: olga@example\.com/);
  // Leaving them again in the same dialog tells nobody again; a flood of
  // forms is limited per dialog, and what was left stays.
  let limited = false;
  for (let i = 0; i < 300 && !limited; i++) {
    const r = await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { phone: "+7 900 000-00-00" } });
    if (r.status === 429) limited = true;
    else assert.equal(r.status, 200);
  }
  assert.ok(limited, "contact forms are rate-limited");
  const card = await api(edge.base, "GET", `/api/v1/lines/away-hours/clients/${v.client}`, { token: admin.token });
  assert.deepEqual([card.body.contacts?.email, card.body.contacts?.phone], ["olga@example.com", "+7 900 000-00-00"], JSON.stringify(card.body).slice(0, 300));

  const seen = await notices("away-hours", anna);
  assert.deepEqual(seen.map((n) => n.kind).sort(), ["client_waiting", "contacts_left"]);
  assert.equal(seen.find((n) => n.kind === "client_waiting").cause, "outside_hours");
  assert.equal((await mails("desk@northwind.example")).length, 2);
});

test("nobody at work: each operator with an address gets the mail in the line's language; an address that is not one is refused", async () => {
  const accounts = (await api(edge.base, "GET", "/api/v1/accounts", { token: admin.token })).body;
  const annaId = accounts.find((a) => a.login === "anna").id;
  const patched = await api(edge.base, "PATCH", `/api/v1/accounts/${annaId}`, { token: admin.token, body: { email: "anna@northwind.example" } });
  assert.equal(patched.status, 200);
  const settings = await makeLine(edge.base, admin, "away-ru", { language: "ru", name: "Чайная линия" });
  assert.deepEqual(settings.away_notice, {}, "a new line tells its operators");
  const bad = await api(edge.base, "PUT", "/api/v1/lines/away-ru/settings", { token: admin.token, body: { ...settings, away_notice: { mail_to: "desk" } } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /^away_notice\.mail_to:/);

  const v = await visitor(edge.base, "away-ru");
  assert.equal((await visitorSays(edge.base, v, "Здравствуйте, есть улун?")).status, 201);
  const [mail] = await until(async () => {
    const m = await mails("anna@northwind.example");
    return m.length >= 1 && m;
  }, "Anna's mail");
  assert.equal(mail.subject, "Чайная линия: Клиент написал(а), когда никого не было");
  assert.match(mail.body, /Ни одного оператора не было на работе/);
  assert.match(mail.body, /Здравствуйте, есть улун\?/);
});

test("in the console an administrator sets the shared inbox; a wrong address is refused beside its field", async () => {
  await makeLine(edge.base, admin, "away-console");
  browser = await launchBrowser();
  const p = await consolePage(browser.context, edge.base, "admin");
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByLabel("Line", { exact: true }).selectOption("away-console");
  await p.getByRole("tab", { name: "Line settings" }).click();
  assert.equal(await p.getByLabel(/^Tell the line's operators/).isChecked(), true);
  const field = p.getByLabel(/^Send those e-mails to this address/);
  await field.fill("desk at northwind");
  await p.getByRole("button", { name: "Save" }).click();
  await p.locator('[data-field="away_notice.mail_to"] .field-error').waitFor();
  await field.fill("desk@northwind.example");
  await p.getByRole("button", { name: "Save" }).click();
  await p.getByText("Saved.").waitFor();
  const saved = (await api(edge.base, "GET", "/api/v1/lines/away-console/settings", { token: admin.token })).body;
  assert.deepEqual(saved.away_notice, { mail_to: "desk@northwind.example" });
});
