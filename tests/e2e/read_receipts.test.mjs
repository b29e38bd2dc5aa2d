// Issue 11.3: read receipts both ways. The visitor's widget says "seen"
// under their messages once an operator in the dialog has read them, and
// the console says "Seen" under the last reply the client has read; only
// an operator in the dialog tells the client, marks only move forward, a
// hidden note never shows through the visitor's numbering, and receipts are
// rate-limited like every other input.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import {
  api,
  consolePage,
  login,
  makeLine,
  operatorSays,
  operatorSocket,
  shopPage,
  socket,
  until,
  visitor,
  visitorSays,
  wsUrl,
} from "./client.mjs";

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function visitorSocket(v) {
  const s = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v.token}`));
  s.send({ type: "hello", protocol: 1, after: 0 });
  await s.next((f) => f.type === "welcome");
  return s;
}

test("over the sockets: only an operator in the dialog tells the client, marks only move forward, numbers stay each side's own", async () => {
  await makeLine(edge.base, admin, "reads", { queueLogins: ["anna", "boris"], mode: "all_at_once" });
  const olga = await visitor(edge.base, "reads");
  assert.equal((await visitorSays(edge.base, olga, "Hello")).status, 201);
  assert.equal((await visitorSays(edge.base, olga, "My order 12 is late")).status, 201);
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/reads/dialogs/${olga.dialog}/accept`, { token: anna.token })).status, 200);
  const annaWs = await operatorSocket(edge.base, "reads", anna);
  const borisWs = await operatorSocket(edge.base, "reads", boris);
  const supervisor = await login(edge.base, "sveta");
  const svetaWs = await operatorSocket(edge.base, "reads", supervisor);
  const olgaWs = await visitorSocket(olga);

  // Boris is on the line but not in the dialog; Sveta only watches it.
  for (const [who, ws] of [["Boris", borisWs], ["Sveta", svetaWs]]) {
    ws.send({ type: "read", dialog: olga.dialog, seq: 2 });
    const refused = await ws.next((f) => f.type === "error");
    assert.equal(refused.error.code, "forbidden", `${who}: ${JSON.stringify(refused)}`);
  }
  // A dialog that does not exist is not found, and the visitor heard nothing.
  annaWs.send({ type: "read", dialog: "nope", seq: 1 });
  assert.equal((await annaWs.next((f) => f.type === "error")).error.code, "not_found");
  await sleep(300);
  assert.equal(olgaWs.frames.filter((f) => f.type === "read").length, 0, "nobody in the dialog read it yet");

  // Anna leaves a hidden note (seq 3) and answers (seq 4, the visitor's 3).
  assert.equal((await operatorSays(edge.base, anna, "reads", olga.dialog, "check the warehouse", true)).status, 201);
  assert.equal((await operatorSays(edge.base, anna, "reads", olga.dialog, "Let me look")).status, 201);
  // Anna reads up to her note: the visitor hears their own numbering (2).
  annaWs.send({ type: "read", dialog: olga.dialog, seq: 3 });
  assert.equal((await olgaWs.next((f) => f.type === "read")).seq, 2);
  // A stale or repeated receipt changes nothing and says nothing.
  annaWs.send({ type: "read", dialog: olga.dialog, seq: 2 });
  annaWs.send({ type: "read", dialog: olga.dialog, seq: 3 });
  // Past the end is the end.
  annaWs.send({ type: "read", dialog: olga.dialog, seq: 99 });
  await until(() => olgaWs.frames.filter((f) => f.type === "read").length >= 2, "the second receipt");
  await sleep(300);
  assert.deepEqual(olgaWs.frames.filter((f) => f.type === "read").map((f) => f.seq), [2, 3]);
  // Reading a new hidden note moves the operators' mark, not the visitor's
  // number: nothing is told (it would show that a note was written).
  assert.equal((await operatorSays(edge.base, anna, "reads", olga.dialog, "note: VIP client", true)).status, 201);
  annaWs.send({ type: "read", dialog: olga.dialog, seq: 5 });
  await sleep(500);
  assert.deepEqual(olgaWs.frames.filter((f) => f.type === "read").map((f) => f.seq), [2, 3], "a hidden note never shows");
  assert.equal(annaWs.frames.filter((f) => f.type === "error").length, 1, "only the unknown dialog was an error");

  // The visitor reads Anna's answer (their 3 = seq 4): Anna hears seq 4;
  // Boris, not in the dialog, hears nothing.
  olgaWs.send({ type: "read", seq: 3 });
  const heard = await annaWs.next((f) => f.type === "read");
  assert.deepEqual([heard.dialog, heard.seq], [olga.dialog, 4]);
  await sleep(300);
  assert.equal(borisWs.frames.filter((f) => f.type === "read").length, 0);

  // Each side's history carries the other's mark in its own numbering.
  const mine = await api(edge.base, "GET", `/api/v1/lines/reads/dialogs/${olga.dialog}/messages?after=0`, { token: anna.token });
  assert.equal(mine.body.seen, 4);
  const theirs = await api(edge.base, "GET", "/api/v1/visitor/messages?after=0", { token: olga.token });
  assert.equal(theirs.body.seen, 3);
  // A visitor reconnecting hears the operators' mark after the history.
  const again = await visitorSocket(olga);
  assert.equal((await again.next((f) => f.type === "read")).seq, 3);
  again.close();

  // A number past the end is the end, not an error.
  olgaWs.send({ type: "read", seq: 2 ** 63 + 1 });
  await sleep(300);
  assert.equal(olgaWs.frames.filter((f) => f.type === "error").length, 0);
  // Bad frames are refused in words, never stored.
  olgaWs.send({ type: "read", seq: -1 });
  assert.equal((await olgaWs.next((f) => f.type === "error")).error.code, "bad_request");

  // Receipts are limited per dialog like messages (60 per 10 s).
  for (let i = 0; i < 70; i++) olgaWs.send({ type: "read", seq: 3 });
  const limited = await olgaWs.next((f) => f.type === "error" && f.error.code === "rate_limited");
  assert.match(limited.error.message, /read receipts/);
  for (const ws of [annaWs, borisWs, svetaWs, olgaWs]) ws.close();
});

test("in the widget and the console: 'seen' under the visitor's words once Anna opens the dialog, 'Seen' under her reply once the visitor looks", async () => {
  await makeLine(edge.base, admin, "wreads", { queueLogins: ["anna"], mode: "all_at_once" });
  const page = await shopPage(browser.context, edge.base, "wreads");
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  await panel.getByLabel("Message").fill("Do you ship to Riga?");
  await panel.getByLabel("Message").press("Enter");
  const mine = panel.locator("li.ol-from-visitor", { hasText: "Do you ship to Riga?" });
  await mine.and(page.locator('[data-delivery="sent"]')).waitFor();
  const session = await page.evaluate(() => JSON.parse(localStorage.getItem("openline:wreads:session")));
  // Nobody has opened it yet: still only sent.
  await sleep(500);
  assert.equal(await mine.getAttribute("data-delivery"), "sent");

  // Anna accepts and opens the dialog in her console: the widget says seen.
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/wreads/dialogs/${session.dialog}/accept`, { token: anna.token })).status, 200);
  const desk = await consolePage(browser.context, edge.base, "anna");
  await desk.getByLabel("Line", { exact: true }).selectOption("wreads");
  await desk.getByRole("tab", { name: /^Mine/ }).click();
  await desk.locator(`tr[data-dialog="${session.dialog}"]`).getByRole("button", { name: /^Open dialog/ }).click();
  await mine.and(page.locator('[data-delivery="seen"]')).waitFor();
  assert.equal(await mine.locator(".ol-state").getAttribute("title"), "Seen");

  // The visitor closes the chat; Anna answers: not seen while it is closed.
  await panel.getByRole("button", { name: "Close chat" }).click();
  await desk.getByLabel("Message", { exact: true }).fill("Yes, in 3 days");
  await desk.getByLabel("Message", { exact: true }).press("Enter");
  const reply = desk.locator("li.from-operator", { hasText: "Yes, in 3 days" });
  await reply.waitFor();
  await page.getByRole("button", { name: /Open chat \(1 unread\)/ }).waitFor();
  await sleep(500);
  assert.equal(await desk.locator("li.msg .seen").count(), 0, "the visitor has not looked yet");
  // The visitor opens the chat: Anna's reply is seen.
  await page.getByRole("button", { name: /Open chat/ }).click();
  await reply.locator(".seen", { hasText: "Seen" }).waitFor();
  await screenshot(desk, "console-seen");
  await screenshot(page, "widget-seen");

  // A second reply while the visitor looks: "Seen" moves to it.
  await desk.getByLabel("Message", { exact: true }).fill("Anything else?");
  await desk.getByLabel("Message", { exact: true }).press("Enter");
  await desk.locator("li.from-operator", { hasText: "Anything else?" }).locator(".seen").waitFor();
  assert.equal(await desk.locator("li.msg .seen").count(), 1, "only under the last reply seen");
  await desk.close();
  await page.close();
});
