// Smoke test of the whole pipeline: the demo page's launcher, the lazily
// loaded widget, a message stored in the dialog's Durable Object, and the
// history read back from the edge after a reload.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";

let edge;
let browser;

before(async () => {
  edge = await startEdge();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await edge?.stop();
});

test("a visitor's message survives a page reload", async () => {
  const page = await browser.context.newPage();
  const wasmRequests = [];
  page.on("request", (r) => {
    if (r.url().endsWith(".wasm")) wasmRequests.push(r.url());
  });
  await page.goto(`${edge.base}/`);
  const launcher = page.getByRole("button", { name: "Open chat" });
  await launcher.waitFor();
  assert.equal(wasmRequests.length, 0, "the widget wasm must not load before the visitor shows interest");

  await launcher.click();
  const panel = page.getByRole("dialog", { name: "Chat with Northwind Tea" });
  await panel.getByText("Hello! How can we help you today?").waitFor();
  assert.equal(wasmRequests.length, 1, "opening the chat loads the widget wasm once");

  const text = `Do you ship to Lisbon? ${Date.now()}`;
  await panel.getByLabel("Message").fill(text);
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  const sent = panel.locator('li[data-delivery="sent"]', { hasText: text });
  await sent.waitFor();
  await screenshot(page, "smoke-sent");

  // The message is in the edge's storage, not only in the page.
  const session = await page.evaluate(() => JSON.parse(localStorage.getItem("openline:demo:session")));
  const stored = await fetch(`${edge.base}/api/v1/visitor/messages`, {
    headers: { Authorization: `Bearer ${session.token}` },
  }).then((r) => r.json());
  assert.deepEqual(stored.messages.map((m) => m.text), [text]);

  await page.reload();
  await page.getByRole("button", { name: "Open chat" }).click();
  await page.getByRole("dialog").locator("li", { hasText: text }).waitFor();
  const rows = await page.getByRole("dialog").locator("li.ol-from-visitor").allTextContents();
  assert.equal(rows.length, 1, "the message is shown exactly once after the reload");
  await screenshot(page, "smoke-after-reload");
  await page.close();
});

test("the API refuses another dialog's token and malformed bodies with structured errors", async () => {
  const start = await fetch(`${edge.base}/api/v1/visitor/sessions`, {
    method: "POST",
    body: JSON.stringify({ line: "demo" }),
  });
  assert.equal(start.status, 201);
  const { token } = await start.json();
  const forged = token.slice(0, -1) + (token.endsWith("0") ? "1" : "0");
  const denied = await fetch(`${edge.base}/api/v1/visitor/messages`, {
    headers: { Authorization: `Bearer ${forged}` },
  });
  assert.equal(denied.status, 401);
  assert.equal((await denied.json()).error.code, "unauthorized");

  const bad = await fetch(`${edge.base}/api/v1/visitor/messages`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    body: "{not json",
  });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.code, "bad_request");

  const unknownLine = await fetch(`${edge.base}/api/v1/lines/nope/widget`);
  assert.equal(unknownLine.status, 404);
  assert.equal((await unknownLine.json()).error.code, "not_found");
});
