// The widget's forms against the real edge: the contact block appears after
// the configured pause, needs the consent, and lands in the consent log;
// the e-mail copy reaches the local mailbox.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, login } from "./client.mjs";

let edge, browser, admin;
before(async () => {
  edge = await startEdge();
  browser = await launchBrowser();
  admin = await login(edge.base, "admin");
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
  assert.match(mail.body, /Please e-mail me this chat/);
  await page.close();
});
