// The widget live in headless Chromium against the real edge: operator
// replies and typing arrive without a reload, a network cut loses and
// duplicates nothing, hostile text renders as text, and closing asks for a
// rating that reaches the line.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, login, operatorSocket, until } from "./client.mjs";

let edge, browser, anna;
before(async () => {
  edge = await startEdge();
  browser = await launchBrowser();
  anna = await login(edge.base, "anna");
});
after(async () => {
  await browser?.close();
  await edge?.stop();
});


test("replies and typing arrive live; a network cut loses and duplicates nothing; rating after close", async () => {
  const page = await browser.context.newPage();
  await page.goto(`${edge.base}/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog", { name: "Chat with Northwind Tea" });
  await panel.getByLabel("Message").fill("Do you ship to Lisbon?");
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  await panel.locator('li[data-delivery="sent"]', { hasText: "Do you ship to Lisbon?" }).waitFor();
  const session = await page.evaluate(() => JSON.parse(localStorage.getItem("openline:demo:session")));

  // Anna (online through her console socket) takes the dialog and answers.
  const console = await operatorSocket(edge.base, "demo", anna);
  await api(edge.base, "POST", `/api/v1/lines/demo/dialogs/${session.dialog}/accept`, { token: anna.token });
  console.send({ type: "typing", dialog: session.dialog });
  await panel.getByText("Anna is typing…").waitFor();
  const reply = (text, id) =>
    api(edge.base, "POST", `/api/v1/lines/demo/dialogs/${session.dialog}/messages`, { token: anna.token, body: { client_id: id, text } });
  assert.equal((await reply("Yes — Lisbon in 3 days.", "anna-1")).status, 201);
  await panel.getByText("Yes — Lisbon in 3 days.").waitFor();
  await panel.getByText("Anna", { exact: true }).first().waitFor();

  // Hostile text is shown as text.
  await reply('<img src=x onerror="window.__pwned=1">', "anna-2");
  await panel.getByText('<img src=x onerror="window.__pwned=1">').waitFor();
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await panel.locator("img").count(), 0);

  // The network drops; the visitor writes anyway; it comes back.
  await browser.context.setOffline(true);
  await panel.getByLabel("Message").fill("Written while offline");
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  await panel.locator("li.ol-from-visitor", { hasText: "Written while offline" }).waitFor();
  await screenshot(page, "widget-offline");
  await browser.context.setOffline(false);
  await panel.locator('li[data-delivery="sent"]', { hasText: "Written while offline" }).waitFor({ timeout: 30_000 });
  const history = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: session.token });
  const texts = history.body.messages.map((m) => m.text);
  assert.equal(texts.filter((t) => t === "Written while offline").length, 1, "stored once");
  assert.equal(await panel.locator("li", { hasText: "Written while offline" }).count(), 1, "shown once");

  // A reply while the page was reconnecting is not missed.
  await reply("Anything else?", "anna-3");
  await panel.getByText("Anything else?").waitFor();

  // Close → the rating request → five stars → stored on the line.
  await api(edge.base, "POST", `/api/v1/lines/demo/dialogs/${session.dialog}/close`, { token: anna.token });
  await panel.getByRole("button", { name: "Rate 5 of 5" }).click();
  await panel.getByText("Thank you for your rating!").waitFor();
  await screenshot(page, "widget-rated");
  await until(async () => {
    const list = (await api(edge.base, "GET", "/api/v1/lines/demo/dialogs", { token: anna.token })).body.dialogs;
    return list.find((d) => d.id === session.dialog)?.client_rating?.score === 5;
  }, "the rating on the line");
  console.close();
  await page.close();
});

test("outside working hours the widget says when the line opens (H4), in the line's language", async () => {
  const admin = await login(edge.base, "admin");
  const s = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
  // The edge's core clock runs `timeScale` times faster than real time in
  // tests (edge/src/clock.rs), so "now" for the line is real time × scale.
  const now = new Date(Date.now() * edge.timeScale);
  const from = (now.getUTCHours() * 60 + now.getUTCMinutes() + 120) % 1380;
  const day = [{ from_min: from, to_min: from + 30 }];
  s.hours = { time_zone: "UTC", week: [day, day, day, day, day, day, day], holidays: [] };
  s.language = "ru";
  s.widget.greeting = "Здравствуйте! Чем помочь?";
  const saved = await api(edge.base, "PUT", "/api/v1/lines/demo/settings", { token: admin.token, body: s });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  const page = await browser.context.newPage();
  await page.goto(`${edge.base}/`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  await panel.getByText("Здравствуйте! Чем помочь?").waitFor();
  const notice = panel.locator(".ol-offline");
  await notice.waitFor();
  assert.match(await notice.textContent(), /Сейчас мы не на связи и откроемся/);
  await panel.getByRole("button", { name: "Отправить" }).waitFor();
  await screenshot(page, "widget-offline-hours-ru");
  await page.close();
});
