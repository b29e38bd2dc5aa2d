// Issue 10: a visitor stays one client across visits, and a conversation
// follows its dialog. The real widget in Chromium on a shop page, against a
// real `wrangler dev`: an anonymous visitor whose first dialog finished and
// was rated comes back to the same operator (Q8, C1), and a dialog
// transferred to another line (Q9) survives a reload, messages and the
// e-mail copy included.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSocket, shopPage as newShopPage, until } from "./client.mjs";

let edge, browser, admin, anna, boris;
before(async () => {
  edge = await startEdge();
  browser = await launchBrowser();
  [admin, anna, boris] = await Promise.all(["admin", "anna", "boris"].map((w) => login(edge.base, w)));
});
after(async () => {
  await browser?.close();
  await edge?.stop();
});

const shopPage = (line) => newShopPage(browser.context, edge.base, line);

const panelOf = (page) => page.getByRole("dialog");
async function write(page, line, text) {
  const panel = panelOf(page, line);
  if (!(await panel.isVisible())) await page.getByRole("button", { name: /^Open chat/ }).click();
  await panel.getByLabel("Message").fill(text);
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  await panel.locator('li[data-delivery="sent"]', { hasText: text }).waitFor();
  return panel;
}
const dialogsOf = async (line) => (await api(edge.base, "GET", `/api/v1/lines/${line}/dialogs`, { token: admin.token })).body.dialogs;
const say = (line, dialog, who, text) =>
  api(edge.base, "POST", `/api/v1/lines/${line}/dialogs/${dialog}/messages`, {
    token: who.token,
    body: { client_id: `r${Math.random().toString(36).slice(2)}`, text },
  });

test("Q8: an anonymous visitor whose first dialog finished and was rated returns to the same operator", async () => {
  await makeLine(edge.base, admin, "q8w", { mode: "strict_order", pass_after_ms: 30 * 60_000, return_to_previous_operator: true });
  // Only Boris is at work: the first conversation is his.
  const b = await operatorSocket(edge.base, "q8w", boris);
  const page = await shopPage("q8w");
  const panel = await write(page, "q8w", "Do you have matcha?");
  const first = await until(async () => (await dialogsOf("q8w"))[0], "the first dialog");
  await b.next((f) => f.type === "offer" && f.dialog === first.id);
  assert.equal((await say("q8w", first.id, boris, "Yes, three kinds.")).status, 201);
  await panel.getByText("Yes, three kinds.").waitFor();
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/q8w/dialogs/${first.id}/close`, { token: boris.token })).status, 200);
  await panel.getByRole("button", { name: "Rate 5 of 5" }).click();
  await panel.getByRole("button", { name: "Send rating" }).click();
  await panel.getByText("Thank you for your rating!").waitFor();
  await until(async () => (await dialogsOf("q8w")).find((d) => d.id === first.id).status.state === "finished", "the first dialog finished");

  // Anna, first in the queue, comes online; the visitor comes back another day.
  const a = await operatorSocket(edge.base, "q8w", anna);
  await page.reload();
  await write(page, "q8w", "Me again: which matcha for latte?");
  const second = await until(async () => (await dialogsOf("q8w")).find((d) => d.id !== first.id), "the second dialog");
  assert.equal(second.client, first.client, "the same client");
  await b.next((f) => f.type === "offer" && f.dialog === second.id);
  assert.ok(!a.frames.some((f) => f.type === "offer" && f.dialog === second.id), "not to Anna, first in the queue");
  a.close();
  b.close();
  await page.close();
});

test("Q9: after a transfer to another line a reload keeps the conversation, and the e-mail copy still works", async () => {
  await makeLine(edge.base, admin, "tfrom", { mode: "strict_order", pass_after_ms: 30 * 60_000 });
  await makeLine(edge.base, admin, "tto", { mode: "strict_order", pass_after_ms: 30 * 60_000, queueLogins: ["boris"] });
  const a = await operatorSocket(edge.base, "tfrom", anna);
  const b = await operatorSocket(edge.base, "tto", boris);
  const page = await shopPage("tfrom");
  await write(page, "tfrom", "I would like to order 40 kg");
  const d = await until(async () => (await dialogsOf("tfrom"))[0], "the dialog");
  await a.next((f) => f.type === "offer" && f.dialog === d.id);
  assert.equal((await say("tfrom", d.id, anna, "Let me pass you to wholesale.")).status, 201);
  const moved = await api(edge.base, "POST", `/api/v1/lines/tfrom/dialogs/${d.id}/transfer`, {
    token: anna.token,
    body: { to: { kind: "line", id: "tto" } },
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  await b.next((f) => f.type === "offer" && f.dialog === d.id);
  assert.equal((await say("tto", d.id, boris, "Boris from wholesale here.")).status, 201);

  await page.reload();
  await page.getByRole("button", { name: /^Open chat/ }).click();
  const panel = panelOf(page, "tfrom");
  for (const text of ["I would like to order 40 kg", "Let me pass you to wholesale.", "Boris from wholesale here."]) {
    await panel.getByText(text).waitFor();
  }
  await write(page, "tfrom", "Great, what is the price?");
  await b.next((f) => f.type === "message" && f.dialog === d.id && f.message.text === "Great, what is the price?");
  assert.equal((await dialogsOf("tfrom")).length, 1, "no new dialog on the first line");
  // The e-mail copy of the one conversation.
  await panel.getByRole("button", { name: "Send me a copy of this chat" }).click();
  await panel.locator(".ol-copy").getByLabel("E-mail").fill("wholesale-buyer@example.com");
  await panel.getByRole("button", { name: "Send copy" }).click();
  await panel.getByText("A copy of the chat is on its way.").waitFor();
  const mail = await until(async () => {
    const box = await api(edge.base, "GET", "/api/v1/dev/mailbox");
    return box.body.mail.find((m) => m.to_addr === "wholesale-buyer@example.com");
  }, "the copy in the mailbox");
  assert.match(mail.body, /Boris from wholesale here\./);
  assert.match(mail.body, /Great, what is the price\?/);
  a.close();
  b.close();
  await page.close();
});

/** A visitor on `line` whose first conversation Anna answered and closed (finished at once: T2 = 0). */
async function finishedConversation(line) {
  await makeLine(edge.base, admin, line, { mode: "strict_order", pass_after_ms: 30 * 60_000, rating_wait_ms: 0 });
  const a = await operatorSocket(edge.base, line, anna);
  const page = await shopPage(line);
  const panel = await write(page, line, "Is the shop open on Sunday?");
  const first = await until(async () => (await dialogsOf(line))[0], "the first dialog");
  await a.next((f) => f.type === "offer" && f.dialog === first.id);
  assert.equal((await say(line, first.id, anna, "Yes, 10 to 16.")).status, 201);
  await panel.getByText("Yes, 10 to 16.").waitFor();
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/${line}/dialogs/${first.id}/close`, { token: anna.token })).status, 200);
  await until(async () => (await dialogsOf(line)).find((d) => d.id === first.id).status.state === "finished", "finished");
  return { a, page, panel, first };
}

test("a visitor who writes after the conversation finished reaches an operator in a new one; nothing lands in the closed transcript", async () => {
  const { a, page, panel, first } = await finishedConversation("after");
  await panel.getByLabel("Message").fill("One more question: do you sell gift cards?");
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  const second = await until(async () => (await dialogsOf("after")).find((d) => d.id !== first.id), "a new dialog");
  assert.equal(second.client, first.client);
  await a.next((f) => f.type === "message" && f.dialog === second.id && f.message.text === "One more question: do you sell gift cards?");
  await panel.locator('li[data-delivery="sent"]', { hasText: "One more question" }).waitFor();
  const closed = await api(edge.base, "GET", `/api/v1/lines/after/dialogs/${first.id}/messages`, { token: admin.token });
  assert.ok(!closed.body.messages.some((m) => m.text.includes("gift cards")), "not in the finished transcript");
  a.close();
  await page.close();
});

test("C7 after the conversation finished reaches the visitor's open panel live", async () => {
  const { a, page, panel, first } = await finishedConversation("c7live");
  const sent = await api(edge.base, "POST", `/api/v1/lines/c7live/clients/${first.client}/messages`, {
    headers: { "X-Api-Key": "test-api-key" },
    body: { client_id: "crm-live", text: "Your gift card is ready" },
  });
  assert.equal(sent.status, 201);
  assert.equal(sent.body.opened, true);
  await panel.getByText("Your gift card is ready").waitFor();
  // The visitor answers there, and the operator of the new dialog reads it.
  await write(page, "c7live", "Thanks, I will pick it up");
  await a.next((f) => f.type === "message" && f.dialog === sent.body.dialog && f.message.text === "Thanks, I will pick it up");
  a.close();
  await page.close();
});
