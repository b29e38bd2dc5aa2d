// The widget's forms against the real edge: the contact block appears after
// the configured pause, needs the consent, and lands in the consent log;
// the e-mail copy reaches the local mailbox. Showing a contact block never
// opens a dialog (issue 10): only writing or submitting a form does, so
// operators are never offered an empty chat.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSocket, shopPage as newShopPage, until } from "./client.mjs";

let edge, browser, admin, anna;
before(async () => {
  edge = await startEdge();
  // The visitor's browser is in Tokyo: the e-mail copy gives times there.
  browser = await launchBrowser({ timezoneId: "Asia/Tokyo" });
  admin = await login(edge.base, "admin");
  anna = await login(edge.base, "anna");
  const s = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
  s.widget.contact_request_after_s = 1;
  s.consent = { version: 1, text: "I agree that Northwind Tea processes my contact data." };
  assert.equal((await api(edge.base, "PUT", "/api/v1/lines/demo/settings", { token: admin.token, body: s })).status, 200);
});
after(async () => {
  await browser?.close();
  await edge?.stop();
});

test("F2/A1: the contact block follows the greeting and requires the consent; F3: the copy reaches the mailbox", async () => {
  const page = await browser.context.newPage();
  const logs = [];
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${edge.base}/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog", { name: "Chat with Northwind Tea" });
  const block = panel.locator("form.ol-form").first();
  await block.waitFor().catch(async (e) => {
    await screenshot(page, "forms-debug");
    throw new Error(`${e.message}\n${logs.join("\n")}`);
  });
  await block.getByLabel("E-mail").fill("olga@example.com");
  await block.getByRole("button", { name: "Save contacts" }).click();
  await block.getByRole("alert").waitFor();
  assert.match(await block.getByRole("alert").textContent(), /consent/);
  await block.getByLabel("I agree that Northwind Tea processes my contact data.").check();
  await block.getByRole("button", { name: "Save contacts" }).click();
  await panel.getByText("Thank you! We will get back to you.").waitFor();
  const consents = await api(edge.base, "GET", "/api/v1/lines/demo/consents", { token: admin.token });
  assert.equal(consents.body.consents.length, 1);
  assert.equal(consents.body.consents[0].version, 1);

  await panel.getByLabel("Message").fill("Please e-mail me this chat");
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  await panel.locator('li[data-delivery="sent"]', { hasText: "Please e-mail me this chat" }).waitFor();
  await panel.getByRole("button", { name: "Send me a copy of this chat" }).click();
  await panel.locator(".ol-copy").getByLabel("E-mail").fill("olga@example.com");
  await panel.getByRole("button", { name: "Send copy" }).click();
  await panel.getByText("A copy of the chat is on its way.").waitFor();
  await screenshot(page, "widget-forms");
  const deadline = Date.now() + 10_000;
  let mail;
  while (!mail && Date.now() < deadline) {
    const box = await api(edge.base, "GET", "/api/v1/dev/mailbox");
    mail = box.body.mail.find((m) => m.to_addr === "olga@example.com" && m.status === "captured");
    if (!mail) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(mail, "the copy is in the local mailbox");
  assert.match(mail.body, /\d\d:\d\d You: Please e-mail me this chat/);
  assert.match(mail.body, /Times in Asia\/Tokyo/, "the widget sends the browser's time zone");
  assert.match(mail.html, /Please e-mail me this chat/);
  await page.close();
});

/** A new line with Anna and Boris in its queue; `change` edits its settings. */
async function lineWith(id, change) {
  await makeLine(edge.base, admin, id);
  const s = (await api(edge.base, "GET", `/api/v1/lines/${id}/settings`, { token: admin.token })).body;
  change(s);
  const saved = await api(edge.base, "PUT", `/api/v1/lines/${id}/settings`, { token: admin.token, body: s });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
}

/** Working hours that begin two hours from now (in core time): closed now. */
function closedNow(s) {
  // The core clock runs `timeScale` times faster than real time in tests.
  const now = new Date(Date.now() * edge.timeScale);
  const from = (now.getUTCHours() * 60 + now.getUTCMinutes() + 120) % 1380;
  const day = [{ from_min: from, to_min: from + 30 }];
  s.hours = { time_zone: "UTC", week: [day, day, day, day, day, day, day], holidays: [] };
}

const shopPage = (line) => newShopPage(browser.context, edge.base, line);

const dialogsOf = async (line) => {
  const r = await api(edge.base, "GET", `/api/v1/lines/${line}/dialogs`, { token: admin.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.dialogs;
};
const offers = (console) => console.frames.filter((f) => f.type === "offer");
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

test("hovering the launcher mounts the chat hidden and, past the contact pause, opens nothing", async () => {
  await lineWith("f2hover", (s) => (s.widget.contact_request_after_s = 1));
  const console = await operatorSocket(edge.base, "f2hover", anna);
  const page = await shopPage("f2hover");
  await page.getByRole("button", { name: "Open chat" }).hover();
  await until(() => page.evaluate(() => !!document.querySelector("[data-openline]").shadowRoot.querySelector(".p[hidden] .ol-panel")), "the chat mounted hidden");
  await pause(3000);
  assert.deepEqual(await dialogsOf("f2hover"), [], "a hover opens no dialog");
  assert.deepEqual(offers(console), [], "no offer reaches the console");
  assert.equal(await page.evaluate(() => localStorage.getItem("openline:f2hover:session")), null);
  console.close();
  await page.close();
});

test("H4: a closed line shows the offline contact block without a dialog; submitting it opens exactly one", async () => {
  await lineWith("f2closed", (s) => {
    closedNow(s);
    s.widget.contact_request_after_s = 1;
  });
  const console = await operatorSocket(edge.base, "f2closed", anna);
  const page = await shopPage("f2closed");
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  await panel.locator(".ol-offline").waitFor();
  const block = panel.getByRole("form", { name: /Leave your contacts/ });
  await block.waitFor();
  await pause(2500);
  assert.deepEqual(await dialogsOf("f2closed"), [], "showing the offline block opens no dialog");
  assert.deepEqual(offers(console), []);
  await block.getByLabel("E-mail").fill("olga@example.com");
  await block.getByRole("button", { name: "Save contacts" }).click();
  await panel.getByText("Thank you! We will get back to you.").waitFor();
  assert.equal((await dialogsOf("f2closed")).length, 1, "submitting the form opens exactly one dialog");
  await pause(1000);
  assert.equal((await dialogsOf("f2closed")).length, 1);
  console.close();
  await page.close();
});

test("F2: the contact block shows in the open panel after the pause and opens no dialog by itself", async () => {
  await lineWith("f2open", (s) => (s.widget.contact_request_after_s = 2));
  const console = await operatorSocket(edge.base, "f2open", anna);
  const page = await shopPage("f2open");
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  const block = panel.getByRole("form", { name: /Leave your contacts/ });
  await panel.getByLabel("Message").waitFor();
  assert.equal(await block.count(), 0, "not before the pause");
  await block.waitFor();
  await pause(1500);
  assert.deepEqual(await dialogsOf("f2open"), [], "the block opens no dialog by itself");
  assert.deepEqual(offers(console), []);
  console.close();
  await page.close();
});

test("F2: a visitor who writes before the pause ends is not interrupted by the contact block (issue 11)", async () => {
  await lineWith("f2writes", (s) => (s.widget.contact_request_after_s = 2));
  const writer = await shopPage("f2writes");
  await writer.getByRole("button", { name: "Open chat" }).click();
  const chat = writer.getByRole("dialog");
  await chat.getByLabel("Message").fill("Do you have green tea?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.locator('li[data-delivery="sent"]', { hasText: "Do you have green tea?" }).waitFor();
  await pause(3000);
  assert.equal(await chat.getByRole("form", { name: /Leave your contacts/ }).count(), 0, "no contact block mid-conversation");
  assert.equal((await dialogsOf("f2writes")).length, 1, "the visitor's message opened one dialog");
  await writer.close();
});

test("F5: each case shows the line's own form — offline asks only for a phone with its own words; after the close, only an e-mail; no busy form when the line has none", async () => {
  // Offline: the line's words and only a phone field.
  await lineWith("f5closed", (s) => {
    closedNow(s);
    s.widget.forms = { offline: { text: "We are closed. Leave your phone and we will call you back.", fields: ["phone"] } };
  });
  const page = await shopPage("f5closed");
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  const block = panel.getByRole("form", { name: "We are closed. Leave your phone and we will call you back." });
  await block.waitFor();
  assert.equal(await block.getByLabel("Phone").isVisible(), true);
  assert.equal(await block.getByLabel("Name").isVisible(), false);
  assert.equal(await block.getByLabel("E-mail").isVisible(), false);
  await block.getByLabel("Phone").fill("+351 912 345 678");
  await block.getByRole("button", { name: "Save contacts" }).click();
  await panel.getByText("Thank you! We will get back to you.").waitFor();
  const [d] = await dialogsOf("f5closed");
  const card = (await api(edge.base, "GET", `/api/v1/lines/f5closed/clients/${d.client}`, { token: admin.token })).body;
  assert.equal(card.contacts.phone, "+351 912 345 678");
  await page.close();

  // Open, nobody online (so every operator is "busy"), no busy form; after the close, an e-mail form.
  await lineWith("f5close", (s) => {
    s.mode = "strict_order";
    s.widget.forms = { after_close: { text: "", fields: ["email"] } };
  });
  const p = await shopPage("f5close");
  await p.getByRole("button", { name: "Open chat" }).click();
  const chat = p.getByRole("dialog");
  await chat.getByLabel("Message").fill("Do you sell matcha whisks?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  await chat.locator('li[data-delivery="sent"]').waitFor();
  await pause(5000); // past a queue poll: a busy form would show by now
  assert.equal(await chat.locator("form.ol-form").count(), 0, "no busy form: the line has none");
  const session = await p.evaluate(() => JSON.parse(localStorage.getItem("openline:f5close:session")));
  const a = await operatorSocket(edge.base, "f5close", anna);
  await api(edge.base, "POST", `/api/v1/lines/f5close/dialogs/${session.dialog}/accept`, { token: anna.token });
  await api(edge.base, "POST", `/api/v1/lines/f5close/dialogs/${session.dialog}/messages`, { token: anna.token, body: { client_id: "f5-1", text: "Yes, bamboo ones." } });
  await api(edge.base, "POST", `/api/v1/lines/f5close/dialogs/${session.dialog}/close`, { token: anna.token });
  const after = chat.getByRole("form", { name: "Leave your contacts if you would like us to get back to you." });
  await after.waitFor();
  assert.equal(await after.getByLabel("E-mail").isVisible(), true);
  assert.equal(await after.getByLabel("Phone").isVisible(), false);
  await screenshot(p, "widget-form-after-close");
  a.close();
  await p.close();
});

test("F5: the busy form differs from the offline form — its own words and only an e-mail", async () => {
  await lineWith("f5busy", (s) => {
    s.mode = "strict_order";
    s.widget.forms = {
      busy: { text: "Everyone is busy right now: leave an e-mail and we will write back.", fields: ["email"] },
      offline: { text: "We are closed. Leave your phone and we will call you back.", fields: ["phone"] },
    };
  });
  const p = await shopPage("f5busy");
  await p.getByRole("button", { name: "Open chat" }).click();
  const chat = p.getByRole("dialog");
  await chat.getByLabel("Message").fill("Is anyone there?");
  await chat.getByRole("button", { name: "Send", exact: true }).click();
  const busy = chat.getByRole("form", { name: "Everyone is busy right now: leave an e-mail and we will write back." });
  await busy.waitFor();
  assert.equal(await busy.getByLabel("E-mail").isVisible(), true);
  assert.equal(await busy.getByLabel("Phone").isVisible(), false);
  assert.equal(await chat.getByRole("form", { name: /We are closed/ }).count(), 0, "the offline form is not the busy one");
  await p.close();
});

test("L6: an operator's answer reaches a client who left the page by e-mail — once per quarter hour, never a hidden note, never while they are on the page", async () => {
  await lineWith("l6mail", (s) => {
    s.widget.contact_request_after_s = 1;
    s.auto_close = null; // the dialog stays open while the mails are counted
  });
  const a = await operatorSocket(edge.base, "l6mail", anna);
  const page = await shopPage("l6mail");
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  const block = panel.getByRole("form", { name: /Leave your contacts/ });
  await block.getByLabel("E-mail").fill("ines@example.com");
  await block.getByRole("button", { name: "Save contacts" }).click();
  await panel.getByText("Thank you! We will get back to you.").waitFor();
  await panel.getByLabel("Message").fill("Where is my order?");
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  await panel.locator('li[data-delivery="sent"]', { hasText: "Where is my order?" }).waitFor();
  const { dialog } = await page.evaluate(() => JSON.parse(localStorage.getItem("openline:l6mail:session")));
  const answer = (text, hidden = false) =>
    api(edge.base, "POST", `/api/v1/lines/l6mail/dialogs/${dialog}/messages`, {
      token: anna.token,
      body: { client_id: `l6-${text.length}-${hidden}`, text, hidden },
    });
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/l6mail/dialogs/${dialog}/accept`, { token: anna.token })).status, 200);
  const mails = async () =>
    (await api(edge.base, "GET", "/api/v1/dev/mailbox")).body.mail.filter((m) => m.to_addr === "ines@example.com" && m.subject.includes("replied"));

  assert.equal((await answer("Let me check.")).status, 201);
  await panel.getByText("Let me check.").waitFor();
  await pause(1500);
  assert.deepEqual(await mails(), [], "on the page: the chat shows it, no mail");

  await page.close();
  await pause(1000);
  assert.equal((await answer("Your order left our warehouse today.")).status, 201);
  await until(async () => (await mails()).length === 1, "the answer in the mailbox");
  const [mail] = await mails();
  assert.match(mail.body, /Your order left our warehouse today\./);
  assert.match(mail.body, /come back to the chat/);
  assert.match(mail.html, /Your order left our warehouse today\./);
  assert.equal((await answer("Note: courier is DHL.", true)).status, 201);
  assert.equal((await answer("It should arrive on Friday.")).status, 201);
  await pause(2000);
  assert.equal((await mails()).length, 1, "a hidden note never goes; a second answer within the quarter hour waits");
  assert.ok(!(await mails()).some((m) => m.body.includes("courier")));

  // A quarter hour of core time later the next answer goes again.
  await pause((15 * 60 * 1000) / edge.timeScale + 500);
  assert.equal((await answer("Tracking: NW-1234.")).status, 201);
  await until(async () => (await mails()).length === 2, "the next answer after the quarter hour");
  assert.ok((await mails()).some((m) => m.body.includes("Tracking: NW-1234.")));
  a.close();
});
