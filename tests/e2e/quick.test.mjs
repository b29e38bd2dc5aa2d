// Issue 15, QA1: quick answers managed in the console — groups created,
// renamed and deleted, answers edited and moved between groups, a `/`
// shortcut per answer, answers shared by every line, CSV export and
// import — and who may do what through the API.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { DEMO, api, login, makeLine, until, visitor, visitorSays } from "./client.mjs";

let edge, admin, anna, sveta, browser;
before(async () => {
  edge = await startEdge();
  [admin, anna, sveta] = await Promise.all(["admin", "anna", "sveta"].map((w) => login(edge.base, w)));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await edge?.stop();
});

const answers = async (line, who) => (await api(edge.base, "GET", `/api/v1/lines/${line}/quick-answers`, { token: who.token })).body.quick_answers;
const create = (line, who, body) => api(edge.base, "POST", `/api/v1/lines/${line}/quick-answers`, { token: who.token, body });

test("through the API: shortcuts, shared answers, group renames; only administrators change what others use", async () => {
  await makeLine(edge.base, admin, "qa-api");
  await makeLine(edge.base, admin, "qa-api2");
  const made = await create("qa-api", admin, { group: "Shipping", title: "EU delivery", shortcut: "/EU", text: "Two days across the EU." });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const eu = made.body.quick_answers[0];
  assert.equal(eu.shortcut, "eu");
  assert.equal((await create("qa-api", admin, { text: "x", shortcut: "two words" })).body.error.code, "invalid_field");

  // Shared: only an administrator creates one; every line offers it.
  const refused = await create("qa-api", anna, { text: "Hello!", shared: true });
  assert.equal(refused.status, 403);
  const shared = await create("qa-api", admin, { group: "Greetings", text: "Hello! How can I help?", shortcut: "hi", shared: true });
  assert.equal(shared.status, 201);
  const hi = shared.body.quick_answers[0];
  assert.ok(hi.id.startsWith("s-") && hi.shared === true, JSON.stringify(hi));
  assert.ok((await answers("qa-api2", anna)).some((a) => a.id === hi.id), "offered on another line");
  assert.ok(!(await answers("qa-api2", anna)).some((a) => a.id === eu.id), "a line's own stays on it");

  // Operators save from a message, but do not change or delete; nor do supervisors.
  assert.equal((await create("qa-api", anna, { text: "Saved by Anna" })).status, 201);
  for (const who of [anna, sveta]) {
    const put = await api(edge.base, "PUT", `/api/v1/lines/qa-api/quick-answers/${eu.id}`, { token: who.token, body: { text: "hacked" } });
    assert.equal(put.status, 403);
    const del = await api(edge.base, "DELETE", `/api/v1/lines/qa-api/quick-answers/${hi.id}`, { token: who.token });
    assert.equal(del.status, 403);
  }

  // A group renamed moves its answers; an empty group is not found.
  const renamed = await api(edge.base, "PUT", "/api/v1/lines/qa-api/quick-answer-groups/Shipping", { token: admin.token, body: { name: "Delivery" } });
  assert.deepEqual(renamed.body, { changed: 1 });
  assert.equal((await answers("qa-api", admin)).find((a) => a.id === eu.id).group, "Delivery");
  const again = await api(edge.base, "PUT", "/api/v1/lines/qa-api/quick-answer-groups/Shipping", { token: admin.token, body: { name: "Delivery" } });
  assert.equal(again.status, 404);
  // A blank name or the same name changes nothing and says so.
  for (const name of ["  ", "Delivery"]) {
    const r = await api(edge.base, "PUT", "/api/v1/lines/qa-api/quick-answer-groups/Delivery", { token: admin.token, body: { name } });
    assert.equal(r.status, 400, name);
    assert.equal(r.body.error.code, "invalid_field");
  }
  const none = await create("qa-api", admin, { items: [] });
  assert.equal(none.status, 400);
  assert.equal(none.body.error.code, "invalid_field");
  // The shared group is renamed only when asked for.
  const sharedRename = await api(edge.base, "PUT", "/api/v1/lines/qa-api/quick-answer-groups/Greetings", { token: admin.token, body: { name: "Hello", shared: true } });
  assert.deepEqual(sharedRename.body, { changed: 1 });
  // Searching by shortcut puts its answer first.
  const found = (await api(edge.base, "GET", "/api/v1/lines/qa-api/quick-answers?q=%2Fhi", { token: anna.token })).body.quick_answers;
  assert.equal(found[0].id, hi.id);
  // Deleting a group deletes its answers.
  const dropped = await api(edge.base, "DELETE", "/api/v1/lines/qa-api/quick-answer-groups/Hello?shared=true", { token: admin.token });
  assert.deepEqual(dropped.body, { changed: 1 });
  assert.ok(!(await answers("qa-api2", anna)).some((a) => a.id === hi.id));
});

test("in the console: an answer made with a shortcut, moved to another group, exported and imported as CSV, used with / in a chat", async () => {
  await makeLine(edge.base, admin, "qa", { mode: "strict_order", queueLogins: ["anna"] });
  const page = await browser.context.newPage();
  await page.goto(`${edge.base}/console/`);
  await page.getByLabel("Login").fill("admin");
  await page.getByLabel("Password").fill("openline-admin");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Administration" }).click();
  await page.getByLabel("Line", { exact: true }).selectOption("qa");
  await page.getByRole("tab", { name: "Quick answers" }).click();
  const manager = page.getByRole("region", { name: "Quick answers" });
  const form = manager.locator("form.quick-form");

  // Two answers in two groups.
  const add = async (group, title, shortcut, text) => {
    await form.getByLabel("Group").fill(group);
    await form.getByLabel("Title").fill(title);
    await form.getByLabel(/^Shortcut/).fill(shortcut);
    await form.getByLabel("Text").fill(text);
    await form.getByRole("button", { name: "Save" }).click();
    await manager.locator("li", { hasText: title }).waitFor();
  };
  await add("Shipping", "Lisbon", "/lisbon", "We ship to Lisbon in three days.");
  await add("Returns", "Refunds", "ret", "Refunds take five working days.");
  await manager.locator('section[data-group="Shipping"] code', { hasText: "/lisbon" }).waitFor();

  // Moved: edited into the other group.
  await manager.locator("li", { hasText: "Lisbon" }).getByRole("button", { name: "Edit" }).click();
  assert.equal(await form.getByLabel("Title").inputValue(), "Lisbon");
  await form.getByLabel("Group").fill("Returns");
  await form.getByRole("button", { name: "Save" }).click();
  await manager.locator('section[data-group="Returns"] li', { hasText: "Lisbon" }).waitFor();
  await manager.locator('section[data-group="Shipping"]').waitFor({ state: "detached" });

  // Exported: a CSV with both.
  const [download] = await Promise.all([page.waitForEvent("download"), manager.getByRole("button", { name: "Export CSV" }).click()]);
  const csv = readFileSync(await download.path(), "utf8");
  assert.match(csv, /^group,title,shortcut,text,shared\r\n/);
  assert.match(csv, /Returns,Lisbon,lisbon,We ship to Lisbon in three days\.,\r\n/);
  assert.equal(download.suggestedFilename(), "quick-answers-qa.csv");

  // Imported: a bad row refuses the file by name; a good one adds its rows.
  const upload = (text) => manager.getByLabel("Import CSV").setInputFiles({ name: "answers.csv", mimeType: "text/csv", buffer: Buffer.from(text) });
  await upload("group,title,shortcut,text\nHours,Open,open,We open at 9\nHours,Bad,two words,Oops\n");
  await manager.getByRole("alert").filter({ hasText: "row 3" }).waitFor();
  assert.equal((await answers("qa", admin)).length, 2, "nothing of the bad file taken");
  await upload("group;title;text\nHours;Open;We open at 9\nHours;Close;\"We close at 18, Mon–Fri\"\n");
  await manager.getByRole("status").filter({ hasText: "Imported 2 quick answers." }).waitFor();
  await manager.locator('section[data-group="Hours"] li', { hasText: "We close at 18, Mon–Fri" }).waitFor();
  await screenshot(page, "console-quick-answers");
  await page.close();

  // Anna uses the shortcut in a chat: /ret and Enter insert the refund answer.
  const v = await visitor(edge.base, "qa");
  await visitorSays(edge.base, v, "How long do refunds take?");
  const a = await browser.context.newPage();
  await a.goto(`${edge.base}/console/`);
  await a.getByRole("button", { name: "Sign out" }).click();
  await a.getByLabel("Login").fill(DEMO.anna[0]);
  await a.getByLabel("Password").fill(DEMO.anna[1]);
  await a.getByRole("button", { name: "Sign in" }).click();
  await a.getByLabel("Line", { exact: true }).selectOption("qa");
  await until(async () => {
    const ops = (await api(edge.base, "GET", "/api/v1/lines/qa/operators", { token: admin.token })).body.operators;
    return ops.some((o) => o.presence === "online");
  }, "Anna online on qa");
  await a.locator(`tr[data-dialog="${v.dialog}"]`).getByRole("button", { name: /^Open dialog/ }).click();
  await a.getByRole("button", { name: "Accept" }).click();
  const composer = a.getByLabel("Message", { exact: true });
  await composer.fill("/ret");
  await a.locator(".slash-menu code", { hasText: "/ret" }).waitFor();
  await composer.press("Enter");
  assert.equal(await composer.inputValue(), "Refunds take five working days.");
  await a.close();
});
