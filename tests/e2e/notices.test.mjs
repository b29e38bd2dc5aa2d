// Issue 15, K2 and K3: a missed KPI reaches the chosen person's
// notification centre in the console (unread count, list, acknowledge, a
// link to the dialog) and their e-mail address, nobody else's; the dialog
// list marks the dialog that missed it. Core time runs 60× faster: a
// one-minute indicator is one real second.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { DEMO, api, login, makeLine, until, visitor, visitorSays } from "./client.mjs";

let edge, admin, anna, boris, sveta, browser;
before(async () => {
  edge = await startEdge();
  [admin, anna, boris, sveta] = await Promise.all(["admin", "anna", "boris", "sveta"].map((w) => login(edge.base, w)));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await edge?.stop();
});

const notices = async (line, who) => api(edge.base, "GET", `/api/v1/lines/${line}/notifications`, { token: who.token });
const read = (line, who, id) =>
  api(edge.base, "POST", `/api/v1/lines/${line}/notifications/${id === undefined ? "" : `${id}/`}read`, { token: who.token, body: {} });

test("a missed KPI: in the chosen supervisor's notification centre and mailbox only, acknowledged once, its dialog marked in the list", async () => {
  const accounts = (await api(edge.base, "GET", "/api/v1/accounts", { token: admin.token })).body;
  const svetaId = accounts.find((a) => a.login === "sveta").id;
  // Sveta's notices go to an address of her choosing (her login is not one).
  const bad = await api(edge.base, "PATCH", `/api/v1/accounts/${svetaId}`, { token: admin.token, body: { email: "not an address" } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "invalid_field");
  const patched = await api(edge.base, "PATCH", `/api/v1/accounts/${svetaId}`, { token: admin.token, body: { email: "sveta@northwind.example" } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.email, "sveta@northwind.example");

  // Nobody online: the first answer cannot come within its minute.
  await makeLine(edge.base, admin, "kpis", {
    mode: "strict_order",
    queueLogins: ["anna"],
    first_answer_kpi: { within_ms: 60_000, notify: [svetaId] },
    away_notice: null, // part 5's notices are tested in away.test.mjs
  });
  const v = await visitor(edge.base, "kpis");
  const left = await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Olga Petrova", email: "olga@example.com" } });
  assert.equal(left.status, 200, JSON.stringify(left.body));
  await visitorSays(edge.base, v, "Is anyone there?");
  const mine = await until(async () => {
    const r = await notices("kpis", sveta);
    return r.body.unread === 1 && r.body;
  }, "Sveta's notice");
  assert.equal(mine.notifications.length, 1);
  const [n] = mine.notifications;
  assert.deepEqual(n.notice, { kind: "kpi_missed", dialog: v.dialog, kpi: "first_answer", operator: null });
  assert.equal(n.read_at, undefined);

  // Nobody else's: Anna (on the line) has none and cannot acknowledge it.
  const hers = await notices("kpis", anna);
  assert.equal(hers.status, 200);
  assert.deepEqual(hers.body, { notifications: [], unread: 0 });
  const stolen = await read("kpis", anna, n.id);
  assert.equal(stolen.status, 404);
  assert.equal(stolen.body.error.code, "not_found");
  assert.equal((await read("kpis", anna, "abc")).status, 404);
  // An operator not on the line is refused outright.
  const elsewhere = await makeLine(edge.base, admin, "kpis-other", { queueLogins: ["anna"] });
  assert.ok(elsewhere);
  assert.equal((await notices("kpis-other", boris)).status, 403);

  // Mailed to her address, in the line's language.
  const mail = await until(async () => {
    const box = await api(edge.base, "GET", "/api/v1/dev/mailbox");
    return box.body.mail.find((m) => m.to_addr === "sveta@northwind.example");
  }, "the KPI mail");
  assert.match(mail.subject, /KPI missed/);
  assert.ok(mail.body.includes(v.dialog));

  // K3: the list marks the dialog.
  const row = (await api(edge.base, "GET", "/api/v1/lines/kpis/dialogs", { token: sveta.token })).body.dialogs.find((d) => d.id === v.dialog);
  assert.deepEqual(row.kpi_missed, ["first_answer"]);

  // In Sveta's console: the bell's count, the notice naming the client, its
  // dialog opened from it, and the notice then read.
  const page = await browser.context.newPage();
  await page.goto(`${edge.base}/console/`);
  await page.getByLabel("Login").fill(DEMO.sveta[0]);
  await page.getByLabel("Password").fill(DEMO.sveta[1]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("tab", { name: /^Offered to me/ }).waitFor();
  await page.getByLabel("Line", { exact: true }).selectOption("kpis");
  const bell = page.getByRole("button", { name: "Notifications (1)" });
  await bell.click();
  const centre = page.getByRole("region", { name: "Notifications" });
  const item = centre.locator("li", { hasText: "Time to first answer missed: Olga Petrova" });
  await item.waitFor();
  await screenshot(page, "console-notifications");
  await page.getByRole("button", { name: "Notifications (1)" }).click();
  await centre.waitFor({ state: "detached" });
  await page.getByRole("tab", { name: /^All/ }).click();
  const marked = page.locator(`tr.kpi-missed[data-dialog="${v.dialog}"]`);
  await marked.locator(".kpi-badge", { hasText: "KPI missed" }).waitFor();
  await screenshot(page, "console-kpi-missed-row");
  await page.getByRole("button", { name: "Notifications (1)" }).click();
  await item.getByRole("button", { name: "Open dialog" }).click();
  await page.locator(".msg.from-visitor", { hasText: "Is anyone there?" }).waitFor();
  await page.getByRole("button", { name: "Notifications", exact: true }).waitFor();
  const after = (await notices("kpis", sveta)).body;
  assert.equal(after.unread, 0);
  assert.ok(after.notifications[0].read_at > 0);
  // Acknowledging again changes nothing, and says so.
  const again = await read("kpis", sveta, n.id);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, { acknowledged: 0, unread: 0 });
  await page.close();
});

test("mark all read acknowledges every notice of the caller and only theirs", async () => {
  const accounts = (await api(edge.base, "GET", "/api/v1/accounts", { token: admin.token })).body;
  const ids = Object.fromEntries(accounts.map((a) => [a.login, a.id]));
  await makeLine(edge.base, admin, "kpis-all", {
    mode: "strict_order",
    queueLogins: ["anna"],
    first_answer_kpi: { within_ms: 60_000, notify: [ids.sveta, ids.anna] },
    away_notice: null,
  });
  for (let i = 0; i < 2; i++) {
    const v = await visitor(edge.base, "kpis-all");
    await visitorSays(edge.base, v, `Hello ${i}`);
  }
  await until(async () => (await notices("kpis-all", sveta)).body.unread === 2, "two notices for Sveta");
  await until(async () => (await notices("kpis-all", anna)).body.unread === 2, "two notices for Anna");
  const all = await read("kpis-all", sveta);
  assert.equal(all.status, 200);
  assert.deepEqual(all.body, { acknowledged: 2, unread: 0 });
  assert.deepEqual((await read("kpis-all", sveta)).body, { acknowledged: 0, unread: 0 });
  assert.equal((await notices("kpis-all", anna)).body.unread, 2, "Anna's stay unread");
});
