// The operator console in headless Chromium against the real edge: each
// distribution mode offers a dialog to the right operator(s) in the console
// and passes it on after the (test-scaled) time; on the demo page a visitor
// never sees hidden messages, a transfer keeps the history, a quick answer is
// inserted with the `/` shortcut, a close brings the rating request and the
// rating back to the console; and settings edited in the admin UI change the
// widget (greeting, working hours). Operators and the visitor have browsers
// of their own (separate localStorage).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { launchBrowser, ROOT, screenshot, startEdge } from "./harness.mjs";
import { DEMO, api, login, makeLine, newVisitorPage, operatorSays, until, visitor, visitorSays } from "./client.mjs";

// The core clock runs 60× faster: 5 minutes of pass time are 5 s here.
const PASS_MS = 5 * 60_000;

let edge, admin, anna, boris, visitorBrowser, annaBrowser, borisBrowser;
before(async () => {
  edge = await startEdge();
  [admin, anna, boris] = await Promise.all(["admin", "anna", "boris"].map((w) => login(edge.base, w)));
  [visitorBrowser, annaBrowser, borisBrowser] = await Promise.all([launchBrowser(), launchBrowser(), launchBrowser()]);
});
after(async () => {
  await Promise.all([visitorBrowser, annaBrowser, borisBrowser].map((b) => b?.close()));
  await edge?.stop();
});

/** Opens the console in `browser` signed in as `who`, working on `line`. */
async function openConsole(browser, who, line, prepare = async () => {}) {
  const page = await browser.context.newPage();
  await prepare(page);
  await page.goto(`${edge.base}/console/`);
  const form = page.getByRole("button", { name: "Sign in" });
  const desk = page.getByRole("tab", { name: /^Offered to me/ });
  await Promise.race([form.waitFor(), desk.waitFor()]);
  if (await form.isVisible()) {
    const [name, password] = DEMO[who];
    await page.getByLabel("Login").fill(name);
    await page.getByLabel("Password").fill(password);
    await form.click();
  }
  await desk.waitFor();
  await page.getByLabel("Line", { exact: true }).selectOption(line);
  return page;
}

/** The console in `browser` signed in as the administrator (whoever was signed in signs out). */
async function adminConsole(browser) {
  const p = await browser.context.newPage();
  await p.goto(`${edge.base}/console/`);
  const signOut = p.getByRole("button", { name: "Sign out" });
  const form = p.getByRole("button", { name: "Sign in" });
  await Promise.race([form.waitFor(), signOut.waitFor()]);
  if (await signOut.isVisible()) await signOut.click();
  await p.getByLabel("Login").fill("admin");
  await p.getByLabel("Password").fill("openline-admin");
  await form.click();
  return p;
}

/** The row of `dialog` in a tab of the dialog list. */
async function rowIn(page, tab, dialog) {
  await page.getByRole("tab", { name: new RegExp(`^${tab}`) }).click();
  return page.locator(`tr[data-dialog="${dialog}"]`);
}

async function bothOnline(line) {
  await until(async () => {
    const ops = (await api(edge.base, "GET", `/api/v1/lines/${line}/operators`, { token: admin.token })).body.operators;
    return ops.length === 2 && ops.every((o) => o.presence === "online");
  }, `both operators online on ${line}`);
}

test("strict order: the first operator is offered the dialog, the next one after the pass time", async () => {
  await makeLine(edge.base, admin, "strict", { mode: "strict_order", pass_after_ms: PASS_MS });
  const a = await openConsole(annaBrowser, "anna", "strict");
  const b = await openConsole(borisBrowser, "boris", "strict");
  await bothOnline("strict");
  const v = await visitor(edge.base, "strict");
  await visitorSays(edge.base, v, "Strictly speaking, hello");
  await (await rowIn(a, "Offered to me", v.dialog)).waitFor();
  // The tab title tells of the new dialog.
  await until(async () => (await a.title()).startsWith("(1)"), "the tab title counts the offer");
  assert.equal(await (await rowIn(b, "Offered to me", v.dialog)).count(), 0, "Boris is not offered it yet");
  await screenshot(a, "console-offered");
  // After the pass time it moves to Boris and leaves Anna.
  await (await rowIn(b, "Offered to me", v.dialog)).waitFor({ timeout: 20_000 });
  await (await rowIn(a, "Offered to me", v.dialog)).waitFor({ state: "detached" });
  await a.close();
  await b.close();
});

test("a row drawn before the line's operators arrive shows their names once they do, never account ids", async () => {
  await makeLine(edge.base, admin, "names", { mode: "strict_order", queueLogins: ["anna"] });
  const v = await visitor(edge.base, "names");
  await visitorSays(edge.base, v, "Who will answer me?");
  // The line's operators answer late; the dialog list does not.
  const a = await openConsole(annaBrowser, "anna", "names", async (page) => {
    await page.route("**/api/v1/lines/names/operators", async (route) => {
      await new Promise((r) => setTimeout(r, 2500));
      await route.continue();
    });
  });
  const row = await rowIn(a, "Offered to me", v.dialog);
  await row.waitFor();
  await until(async () => (await row.textContent()).includes("Anna"), "the row names Anna", 10_000);
  assert.doesNotMatch(await row.textContent(), /[0-9a-f]{8}/, "no account id left in the row");
  await a.close();
});

test("rows name the client and show the last message, previews only to whoever may read the dialog; a missed KPI's notice opens its dialog", async () => {
  const accounts = (await api(edge.base, "GET", "/api/v1/accounts", { token: admin.token })).body;
  const annaId = accounts.find((a) => a.login === "anna").id;
  // Strict order with a long pass time: the dialog stays offered to Anna;
  // a first answer is due within a minute (a second here), Anna is told.
  await makeLine(edge.base, admin, "rows", {
    mode: "strict_order",
    pass_after_ms: 12 * 60 * 60_000,
    first_answer_kpi: { within_ms: 60_000, notify: [annaId] },
  });
  const a = await openConsole(annaBrowser, "anna", "rows");
  await until(async () => {
    const ops = (await api(edge.base, "GET", "/api/v1/lines/rows/operators", { token: admin.token })).body.operators;
    return ops.find((o) => o.id === annaId)?.presence === "online";
  }, "Anna online on rows");
  const v = await visitor(edge.base, "rows");
  const left = await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Olga Petrova", email: "olga@example.com" } });
  assert.equal(left.status, 200, JSON.stringify(left.body));
  await visitorSays(edge.base, v, "Do you have\n\n   green tea?");

  // Through the API: Anna is offered the dialog and reads its preview; Boris
  // (on the line, not in the dialog) sees the row and the name, not the text;
  // the administrator reads every dialog.
  const list = async (who) => (await api(edge.base, "GET", "/api/v1/lines/rows/dialogs", { token: who.token })).body;
  const mine = await list(anna);
  assert.equal(mine.clients[v.client].name, "Olga Petrova");
  assert.deepEqual(mine.previews[v.dialog], { author: { kind: "visitor" }, text: "Do you have green tea?", at: mine.previews[v.dialog].at });
  const his = await list(boris);
  assert.ok(his.dialogs.some((d) => d.id === v.dialog));
  assert.equal(his.previews[v.dialog], undefined, "no message text of a dialog Boris may not read");
  assert.equal((await list(admin)).previews[v.dialog].text, "Do you have green tea?");

  // The missed first answer: the notice names the client and opens the dialog.
  const notice = a.getByRole("alert").filter({ hasText: "A dialog missed its answer time" });
  await notice.waitFor({ timeout: 15_000 });
  await notice.getByRole("button", { name: "Open dialog" }).click();
  await a.locator(".msg.from-visitor", { hasText: "green tea?" }).waitFor();
  await notice.waitFor({ state: "detached" });

  // In the list: the name, and the last message as it changes; a hidden
  // note does not replace it.
  const row = await rowIn(a, "Offered to me", v.dialog);
  await row.getByRole("button", { name: "Open dialog Olga Petrova" }).waitFor();
  await row.locator(".preview", { hasText: "Do you have green tea?" }).waitFor();
  await a.getByRole("button", { name: "Accept" }).click();
  const say = (text, hidden) => operatorSays(edge.base, anna, "rows", v.dialog, text, hidden);
  assert.equal((await say("Yes: sencha and gyokuro.", false)).status, 201);
  assert.equal((await say("note: low on gyokuro", true)).status, 201);
  const mineRow = await rowIn(a, "Mine", v.dialog);
  await mineRow.locator(".preview", { hasText: "Anna: Yes: sencha and gyokuro." }).waitFor();
  assert.doesNotMatch(await mineRow.textContent(), /low on gyokuro/);
  assert.equal((await list(anna)).previews[v.dialog].text, "Yes: sencha and gyokuro.");
  await screenshot(a, "console-rows");
  await a.close();
});

test("a supervisor outside the queue sees a new dialog in All at once, not at the next periodic re-read", async () => {
  await makeLine(edge.base, admin, "watch", { mode: "strict_order", queueLogins: ["anna"] });
  const s = await openConsole(visitorBrowser, "sveta", "watch");
  await s.getByRole("tab", { name: /^All/ }).click();
  // Nobody is online: the dialog is only queued (no offer to anyone); the
  // console re-reads its list every 10 s, the event comes within a second.
  const v = await visitor(edge.base, "watch");
  await visitorSays(edge.base, v, "Is anyone watching?");
  await s.locator(`tr[data-dialog="${v.dialog}"]`).waitFor({ timeout: 4_000 });
  await s.close();
});

test("with the tab hidden, offers and the client's messages reach the desktop (Notification API) and a click opens the dialog", async () => {
  await makeLine(edge.base, admin, "notes", { mode: "strict_order", queueLogins: ["anna"], pass_after_ms: 12 * 60 * 60_000 });
  await annaBrowser.context.grantPermissions(["notifications"], { origin: edge.base });
  const a = await openConsole(annaBrowser, "anna", "notes", async (page) => {
    // The page can be told it is hidden; every notification it shows is
    // recorded (and still made by the browser's own Notification).
    await page.addInitScript(() => {
      Object.defineProperty(document, "visibilityState", { get: () => (window.__hidden ? "hidden" : "visible") });
      Object.defineProperty(document, "hidden", { get: () => Boolean(window.__hidden) });
      const Real = window.Notification;
      window.__notes = [];
      window.Notification = class extends Real {
        constructor(title, options) {
          super(title, options);
          window.__notes.push({ title, body: options?.body, tag: options?.tag, note: this });
        }
      };
    });
  });
  const notes = () => a.evaluate(() => window.__notes.map(({ title, body, tag }) => ({ title, body, tag })));
  assert.equal(await a.getByRole("button", { name: "Turn on desktop notifications" }).count(), 0, "already allowed: not offered");
  await until(async () => {
    const ops = (await api(edge.base, "GET", "/api/v1/lines/notes/operators", { token: admin.token })).body.operators;
    return ops.some((o) => o.id === anna.id && o.presence === "online");
  }, "Anna online on notes");
  await a.evaluate(() => (window.__hidden = true));
  const v = await visitor(edge.base, "notes");
  const left = await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Pavel", phone: "+7 900 000-00-00" } });
  assert.equal(left.status, 200, JSON.stringify(left.body));
  // The offer, then the client's first message (offered, Anna may read it);
  // one tag per dialog, so the desktop shows the newest of the two.
  await until(async () => (await notes()).length === 1, "the offer's notification");
  assert.equal((await notes())[0].title, "New dialog for you");
  assert.equal((await notes())[0].tag, v.dialog);
  await visitorSays(edge.base, v, "Hello from the shop");
  await until(async () => (await notes()).length === 2, "the first message's notification");
  assert.deepEqual((await notes())[1], { title: "Pavel", body: "Hello from the shop", tag: v.dialog });
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/notes/dialogs/${v.dialog}/accept`, { token: anna.token })).status, 200);
  await visitorSays(edge.base, v, "Do you deliver on Sundays?");
  await until(async () => (await notes()).length === 3, "the next message's notification");
  assert.deepEqual((await notes())[2], { title: "Pavel", body: "Do you deliver on Sundays?", tag: v.dialog });
  // A click on it opens the dialog in the console.
  await a.evaluate(() => window.__notes[2].note.onclick());
  await a.locator(".msg.from-visitor", { hasText: "Do you deliver on Sundays?" }).waitFor();
  // In sight again: no more desktop notifications.
  await a.evaluate(() => (window.__hidden = false));
  await visitorSays(edge.base, v, "Thanks!");
  await a.locator(".msg.from-visitor", { hasText: "Thanks!" }).waitFor();
  assert.equal((await notes()).length, 3);
  await a.close();
});

/** axe-core's serious and critical findings on the page, one line each. */
async function axeFindings(page) {
  // Evaluated through the browser's devtools protocol: the console's
  // Content-Security-Policy (no inline scripts) stays as it is.
  await page.evaluate(readFileSync(`${ROOT}/node_modules/axe-core/axe.min.js`, "utf8"));
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

test("on a 390 px phone the list and the chat are two screens; dark mode follows the system; axe finds nothing serious", async () => {
  await makeLine(edge.base, admin, "phone", { mode: "strict_order", queueLogins: ["anna"], pass_after_ms: 12 * 60 * 60_000 });
  const a = await openConsole(annaBrowser, "anna", "phone", async (page) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: "dark" });
  });
  await until(async () => {
    const ops = (await api(edge.base, "GET", "/api/v1/lines/phone/operators", { token: admin.token })).body.operators;
    return ops.some((o) => o.id === anna.id && o.presence === "online");
  }, "Anna online on phone");
  const v = await visitor(edge.base, "phone");
  await visitorSays(edge.base, v, "Writing from my phone too");
  const list = a.locator("section.dialogs");
  const row = a.locator(`tr[data-dialog="${v.dialog}"]`);
  await row.waitFor();
  // Dark: the page follows the system's setting.
  assert.equal(await a.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(13, 17, 23)");
  assert.ok(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "nothing wider than the phone");
  await screenshot(a, "console-phone-list-dark");
  assert.deepEqual(await axeFindings(a), []);
  // The chat replaces the list; "back" brings the list again.
  await row.getByRole("button", { name: /^Open dialog/ }).click();
  await a.locator(".msg.from-visitor", { hasText: "Writing from my phone too" }).waitFor();
  assert.equal(await list.isVisible(), false, "the list is a screen of its own");
  assert.ok(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "the chat fits the phone");
  await screenshot(a, "console-phone-chat-dark");
  assert.deepEqual(await axeFindings(a), []);
  await a.getByRole("button", { name: "← Dialogs" }).click();
  await row.waitFor();
  assert.equal(await a.locator("section.chat:not(.empty)").count(), 0);
  // Light, on a desktop, the two side by side: axe finds nothing there either.
  await a.emulateMedia({ colorScheme: "light" });
  await a.setViewportSize({ width: 1280, height: 800 });
  await row.getByRole("button", { name: /^Open dialog/ }).click();
  await a.locator(".msg.from-visitor", { hasText: "Writing from my phone too" }).waitFor();
  assert.ok(await list.isVisible());
  assert.equal(await a.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(246, 248, 250)");
  assert.deepEqual(await axeFindings(a), []);
  await a.close();
});

test("the visitor panel: the page the visitor is on, live as they browse, their browser and language", async () => {
  await makeLine(edge.base, admin, "panel", { mode: "strict_order", queueLogins: ["anna"], pass_after_ms: 12 * 60 * 60_000, allowed_origins: [] });
  const a = await openConsole(annaBrowser, "anna", "panel");
  await until(async () => {
    const ops = (await api(edge.base, "GET", "/api/v1/lines/panel/operators", { token: admin.token })).body.operators;
    return ops.some((o) => o.id === anna.id && o.presence === "online");
  }, "Anna online on panel");
  // A shop page with the widget for this line (the demo page, its snippet
  // pointed at "panel").
  const shop = await newVisitorPage(visitorBrowser.context, edge.base);
  const html = (await (await fetch(`${edge.base}/`)).text()).replace(/data-line="demo"/, 'data-line="panel"');
  await shop.route(/\/(\?.*)?$/, (route) => route.fulfill({ contentType: "text/html", body: html }));
  await shop.goto(`${edge.base}/?from=ad`);
  await shop.getByRole("button", { name: "Open chat" }).click();
  const panel = shop.getByRole("dialog", { name: /Line panel/ });
  await panel.getByLabel("Message").fill("Which of these teas is the smokiest?");
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  await panel.locator('li[data-delivery="sent"]').waitFor();
  const session = await shop.evaluate(() => JSON.parse(localStorage.getItem("openline:panel:session")));

  const row = await rowIn(a, "Offered to me", session.dialog);
  await row.getByRole("button", { name: /^Open dialog/ }).click();
  const card = a.locator(".client-card .visitor");
  await card.getByRole("link", { name: "Northwind Tea — loose-leaf teas from small gardens" }).waitFor();
  assert.equal(await card.getByRole("link").getAttribute("href"), `${edge.base}/?from=ad`);
  assert.match(await card.textContent(), /Chrome \(headless\) \d+ · Linux/);
  assert.match(await card.textContent(), /Languageen-US/);

  // The visitor goes on to another page: the panel follows without a reload.
  await shop.goto(`${edge.base}/?page=lapsang`);
  await until(async () => (await card.getByRole("link").getAttribute("href")) === `${edge.base}/?page=lapsang`, "the panel follows the visitor", 10_000);
  await a.locator(".client-card .pages").getByRole("link", { name: "Northwind Tea — loose-leaf teas from small gardens" }).waitFor();
  await screenshot(a, "console-visitor-panel");
  // Through the API: newest first; never a script address.
  const api1 = await api(edge.base, "GET", `/api/v1/lines/panel/clients/${session.client}`, { token: anna.token });
  assert.deepEqual(api1.body.visits.map((v) => v.page.url).slice(0, 2), [`${edge.base}/?page=lapsang`, `${edge.base}/?from=ad`]);
  const hostile = await api(edge.base, "POST", "/api/v1/visitor/sessions", {
    body: { line: "panel", token: session.token, resume_only: true, page: { url: "javascript:alert(1)", title: "x" } },
  });
  assert.equal(hostile.status, 200);
  const api2 = await api(edge.base, "GET", `/api/v1/lines/panel/clients/${session.client}`, { token: anna.token });
  assert.equal(api2.body.visits.length, api1.body.visits.length, "a page that is not a web address is not kept");
  await shop.close();
  await a.close();
});

test("evenly: two dialogs go one to each operator, and each passes to the other after the pass time", async () => {
  await makeLine(edge.base, admin, "evenly", { mode: "evenly", pass_after_ms: PASS_MS });
  const a = await openConsole(annaBrowser, "anna", "evenly");
  const b = await openConsole(borisBrowser, "boris", "evenly");
  await bothOnline("evenly");
  const v1 = await visitor(edge.base, "evenly");
  await (await rowIn(a, "Offered to me", v1.dialog)).waitFor();
  const v2 = await visitor(edge.base, "evenly");
  await (await rowIn(b, "Offered to me", v2.dialog)).waitFor();
  assert.equal(await (await rowIn(a, "Offered to me", v2.dialog)).count(), 0);
  assert.equal(await (await rowIn(b, "Offered to me", v1.dialog)).count(), 0);
  await (await rowIn(b, "Offered to me", v1.dialog)).waitFor({ timeout: 20_000 });
  await (await rowIn(a, "Offered to me", v2.dialog)).waitFor({ timeout: 20_000 });
  await a.close();
  await b.close();
});

test("all at once: both operators are offered the dialog; one accepts and it leaves the other", async () => {
  await makeLine(edge.base, admin, "all", { mode: "all_at_once", pass_after_ms: PASS_MS });
  // Anna's console sockets go through a switch the test can cut.
  let cut = false;
  let sockets = [];
  const a = await openConsole(annaBrowser, "anna", "all", async (page) => {
    await page.routeWebSocket(/\/api\/v1\/lines\/[^/]+\/ws/, (ws) => {
      if (cut) return ws.close();
      ws.connectToServer();
      sockets.push(ws);
    });
    // Her HTTP sends go through the same switch.
    await page.route(/\/api\/v1\/lines\/[^/]+\/dialogs\/[^/]+\/messages$/, (route) =>
      cut && route.request().method() === "POST" ? route.abort("internetdisconnected") : route.continue(),
    );
  });
  const b = await openConsole(borisBrowser, "boris", "all");
  await bothOnline("all");
  const v = await visitor(edge.base, "all");
  await visitorSays(edge.base, v, "Anyone there?");
  const atBoris = await rowIn(b, "Offered to me", v.dialog);
  await atBoris.waitFor();
  const atAnna = await rowIn(a, "Offered to me", v.dialog);
  await atAnna.getByRole("button", { name: /^Open dialog/ }).click();
  await a.locator(".msg.from-visitor", { hasText: "Anyone there?" }).waitFor();
  await a.getByRole("button", { name: "Accept" }).click();
  await atBoris.waitFor({ state: "detached" });
  await (await rowIn(a, "Mine", v.dialog)).waitFor();
  const list = (await api(edge.base, "GET", "/api/v1/lines/all/dialogs", { token: anna.token })).body.dialogs;
  assert.equal(list.find((d) => d.id === v.dialog).status.operator, anna.id);
  // She answers, so the dialog stays hers through the drop below (taken
  // and unanswered, it would pass on: T1, Q7).
  await a.getByLabel("Message", { exact: true }).fill("One moment, please");
  await a.getByRole("button", { name: "Send", exact: true }).click();
  await a.locator(".msg.from-operator", { hasText: "One moment, please" }).waitFor();
  // The console's network drops; what the visitor writes meanwhile shows
  // once it reconnects (re-fetched with after=SEQ).
  cut = true;
  for (const ws of sockets.splice(0)) await ws.close();
  await a.getByText("Reconnecting…").waitFor();
  await visitorSays(edge.base, v, "Written while you were away");
  cut = false;
  await a.locator(".msg.from-visitor", { hasText: "Written while you were away" }).waitFor({ timeout: 20_000 });
  assert.equal(await a.locator(".msg", { hasText: "Anyone there?" }).count(), 1, "nothing shown twice");
  // A reply sent while the network is down waits in the outbox ("Sending…")
  // and goes out once the console reconnects: never lost, stored once.
  cut = true;
  for (const ws of sockets.splice(0)) await ws.close();
  await a.getByText("Reconnecting…").waitFor();
  await a.getByLabel("Message", { exact: true }).fill("Sorry, my network dropped");
  await a.getByRole("button", { name: "Send", exact: true }).click();
  await a.locator(".outgoing", { hasText: "Sorry, my network dropped" }).getByText("Sending…").waitFor();
  cut = false;
  await a.locator(".msg.from-operator", { hasText: "Sorry, my network dropped" }).waitFor({ timeout: 20_000 });
  await a.locator(".outgoing").waitFor({ state: "detached" });
  const seen = (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token })).body.messages;
  assert.equal(seen.filter((m) => m.text === "Sorry, my network dropped").length, 1, "stored once, and the visitor has it");
  await a.close();
  await b.close();
});

test("on the demo page: hidden talk stays hidden, a quick answer goes in with /, typing shows, a transfer keeps the history, close brings the rating back", async () => {
  // The demo line in strict order with a long pass time: Anna gets it and keeps it.
  const s = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
  Object.assign(s, { mode: "strict_order", pass_after_ms: 30 * 60_000 });
  assert.equal((await api(edge.base, "PUT", "/api/v1/lines/demo/settings", { token: admin.token, body: s })).status, 200);
  const qa = await api(edge.base, "POST", "/api/v1/lines/demo/quick-answers", {
    token: anna.token,
    body: { group: "Shipping", title: "Lisbon delivery", text: "We ship to Lisbon in three days." },
  });
  assert.equal(qa.status, 201);
  const a = await openConsole(annaBrowser, "anna", "demo");
  const b = await openConsole(borisBrowser, "boris", "demo");
  await bothOnline("demo");

  const page = await visitorBrowser.context.newPage();
  await page.goto(`${edge.base}/`);
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog", { name: "Chat with Northwind Tea" });
  await panel.getByLabel("Message").fill("Do you ship to Lisbon?");
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  // The dialog opens as the visitor writes; the message is stored in it.
  await panel.locator('li[data-delivery="sent"]', { hasText: "Do you ship to Lisbon?" }).waitFor();
  const { dialog } = await page.evaluate(() => JSON.parse(localStorage.getItem("openline:demo:session")));

  // Anna opens the offered dialog, reads the history and accepts.
  const row = await rowIn(a, "Offered to me", dialog);
  await row.getByRole("button", { name: /^Open dialog/ }).click();
  await a.locator(".msg.from-visitor", { hasText: "Do you ship to Lisbon?" }).waitFor();
  await a.getByRole("button", { name: "Accept" }).click();
  await (await rowIn(a, "Mine", dialog)).waitFor();

  // W1: the visitor's draft shows in the console before it is sent.
  // (The widget sends a draft at most once a second: keep typing until one goes out.)
  const preview = a.locator(".typing-preview", { hasText: "And Gyokuro?" });
  let keystrokes = 0;
  await until(async () => {
    await panel.getByLabel("Message").fill(`And Gyokuro?${" ".repeat(++keystrokes % 2)}`);
    return preview.isVisible();
  }, "the visitor's draft in the console");

  // Q11: a hidden message for colleagues.
  const composer = a.getByLabel("Message", { exact: true });
  await a.getByLabel("Hidden message (only colleagues see it)").check();
  await composer.fill("VIP client, be nice");
  await a.getByRole("button", { name: "Send", exact: true }).click();
  await a.locator(".msg.hidden", { hasText: "VIP client, be nice" }).getByText("Hidden — colleagues only").waitFor();
  await a.getByLabel("Hidden message (only colleagues see it)").uncheck();

  // QA1: "/" opens the quick answers; Enter inserts the best match.
  await composer.fill("/lisbon");
  await a.getByRole("option", { name: /Lisbon delivery/ }).waitFor();
  await composer.press("Enter");
  assert.equal(await composer.inputValue(), "We ship to Lisbon in three days.");
  await a.getByRole("button", { name: "Send", exact: true }).click();
  await panel.getByText("We ship to Lisbon in three days.").waitFor();
  await screenshot(a, "console-chat");
  // The later public reply arrived, so the earlier hidden one would have too.
  assert.equal(await panel.getByText("VIP client, be nice").count(), 0, "hidden messages never reach the visitor");
  await page.reload();
  await page.getByRole("button", { name: /^Open chat/ }).click();
  await panel.getByText("We ship to Lisbon in three days.").waitFor();
  assert.equal(await panel.getByText("VIP client, be nice").count(), 0, "not after a reload either");

  // Q9: transfer to Boris with a comment; he sees the whole history.
  await a.locator("summary", { hasText: "Transfer" }).click();
  await a.getByLabel("Transfer to").selectOption("operator");
  await a.getByLabel("Operator", { exact: true }).selectOption({ label: "Boris" });
  await a.getByLabel("Comment").fill("He knows Gyokuro best");
  await a.getByRole("button", { name: "Transfer", exact: true }).click();
  const atBoris = await rowIn(b, "Offered to me", dialog);
  await atBoris.getByRole("button", { name: /^Open dialog/ }).click();
  await b.locator(".msg.from-visitor", { hasText: "Do you ship to Lisbon?" }).waitFor();
  await b.locator(".msg.from-operator", { hasText: "We ship to Lisbon in three days." }).waitFor();
  await b.locator(".msg.hidden", { hasText: "He knows Gyokuro best" }).waitFor();
  await b.locator(".msg.hidden", { hasText: "VIP client, be nice" }).waitFor();
  await b.getByRole("button", { name: "Accept" }).click();
  await (await rowIn(b, "Mine", dialog)).waitFor();
  await b.getByRole("button", { name: "Close dialog" }).waitFor();

  // T4/R1: Boris closes; the visitor rates; the rating shows in the console.
  await b.getByRole("button", { name: "Close dialog" }).click();
  await panel.getByRole("button", { name: "Rate 5 of 5" }).click();
  await panel.getByRole("button", { name: "Send rating" }).click();
  await b.locator(".rating-client", { hasText: "5/5" }).waitFor();
  await screenshot(b, "console-rated");
  // The line's own lines say what happened; none is an empty "System" bubble.
  await b.locator(".msg.from-system", { hasText: "The conversation was closed" }).waitFor();
  await b.locator(".msg.from-system", { hasText: "The client was asked to rate the conversation" }).waitFor();
  const systemTexts = await b.locator(".msg.from-system .text").allTextContents();
  assert.ok(systemTexts.length >= 2 && systemTexts.every((t) => t.trim() !== ""), JSON.stringify(systemTexts));
  // Messages of today show their time alone; the full instant is the title.
  const stamp = b.locator(".msg.from-visitor time").first();
  assert.match((await stamp.textContent()).trim(), /^\d{1,2}:\d{2}( [AP]M)?$/);
  assert.match(await stamp.getAttribute("title"), /\d{4}/);
  // Only what operators wrote offers "Save as quick answer".
  assert.equal(await b.locator(".msg.from-visitor .save-quick, .msg.from-system .save-quick").count(), 0);
  assert.ok((await b.locator(".msg.from-operator .save-quick").count()) >= 1);
  await page.close();
  await a.close();
  await b.close();
});

test("settings edited in the admin UI change the widget: greeting, then working hours (offline notice); bad values are named", async () => {
  // Boris's browser signs out and the administrator signs in.
  const p = await openConsole(borisBrowser, "boris", "demo");
  await p.getByRole("button", { name: "Sign out" }).click();
  await p.getByLabel("Login").fill("admin");
  await p.getByLabel("Password").fill("openline-admin");
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByLabel("Line", { exact: true }).selectOption("demo");

  // The embed snippet of the line, ready to copy.
  await p.getByRole("tab", { name: "Lines" }).click();
  const snippet = p.locator('article[data-line="demo"] textarea');
  assert.equal(await snippet.inputValue(), `<script src="${edge.base}/widget.js" data-line="demo" async></script>`);

  // A value out of range is refused and named next to its field.
  await p.getByRole("tab", { name: "Line settings" }).click();
  const pass = p.getByLabel("Pass to the next operator after (minutes, 1–720)");
  await pass.fill("0");
  await p.getByRole("button", { name: "Save" }).click();
  await p.locator('[data-field="pass_after_ms"] .field-error', { hasText: "pass_after_ms: from 1 minute to 12 hours" }).waitFor();
  await pass.fill("3");

  // The identity secret for logged-in users: too short is refused by name.
  await p.getByText("No identity secret: only anonymous visitors.").waitFor();
  const secret = p.getByLabel(/^New identity secret for logged-in users/);
  await secret.fill("short");
  await p.getByRole("button", { name: "Save" }).click();
  await p.locator('[data-field="identity_secret"] .field-error').waitFor();
  await secret.fill("northwind-identity-secret-2026");

  // Q1: a department made in the queue editor shows its members, and its
  // id brings them back for editing.
  const dept = p.locator("details.department");
  await dept.locator("summary").click();
  await dept.getByLabel("Department").fill("tea-experts");
  await dept.getByLabel("Anna").check();
  await dept.getByLabel("Boris").check();
  await dept.getByRole("button", { name: "Add" }).click();
  await p.getByText("Department: tea-experts (Anna, Boris)").waitFor();
  await dept.getByLabel("Department").fill("");
  await dept.getByLabel("Department").fill("tea-experts");
  assert.equal(await dept.getByLabel("Anna").isChecked(), true);

  // F1: a new greeting reaches the widget.
  await p.getByLabel("Greeting", { exact: true }).fill("Welcome to the tea room!");
  await p.getByRole("button", { name: "Save" }).click();
  await p.getByText("Saved.").waitFor();
  // Secrets are write-only: the console says it is set, and never shows it.
  await p.getByText("An identity secret is set; it is never shown.", { exact: false }).waitFor();
  assert.equal(await secret.inputValue(), "");
  const stored = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
  assert.equal(stored.identity_secret, undefined);
  assert.equal(stored.identity_secret_set, true);
  const page = await newVisitorPage(visitorBrowser.context, edge.base);
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  await panel.getByText("Welcome to the tea room!").waitFor();
  assert.equal(await panel.locator(".ol-offline").count(), 0, "open while no working hours are set");

  // H1/H4: working hours in UTC with every day off → the widget says it is offline.
  await p.getByLabel("Use working hours (otherwise always open)").check();
  await p.getByLabel("Time zone (IANA, e.g. Europe/Moscow)").fill("UTC");
  const removeInterval = p.getByRole("button", { name: /^Remove: \S+ 1$/ });
  while ((await removeInterval.count()) > 0) await removeInterval.first().click();
  await p.getByRole("button", { name: "Save" }).click();
  await p.getByText("Saved.").waitFor();
  const saved = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
  assert.equal(saved.hours.time_zone, "UTC");
  assert.ok(saved.hours.week.every((d) => d.length === 0));
  await screenshot(p, "console-settings");
  await page.reload();
  await page.getByRole("button", { name: "Open chat" }).click();
  await panel.locator(".ol-offline").waitFor();
  await screenshot(page, "console-widget-offline");
  await page.close();

  // L5: a supervisor reads the settings but cannot change them.
  await p.getByRole("button", { name: "Sign out" }).click();
  await p.getByLabel("Login").fill("sveta");
  await p.getByLabel("Password").fill("openline-sveta");
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByLabel("Line", { exact: true }).selectOption("demo");
  await p.getByText("Read-only: only administrators change settings.").waitFor();
  assert.equal(await p.getByLabel("Greeting", { exact: true }).inputValue(), "Welcome to the tea room!");
  assert.ok(await p.getByLabel("Greeting", { exact: true }).isDisabled());
  assert.equal(await p.getByRole("button", { name: "Save" }).count(), 0);
  await p.close();
});

test("L1, L3 and T3 in the admin UI: a line created without a name takes the company's, shown in the chat header; deleting a line asks and says what happens; the silence action is chosen", async () => {
  const p = await adminConsole(borisBrowser);
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByRole("tab", { name: "Lines" }).click();

  // L1: the company's name, then a line created with no name of its own.
  const company = p.getByLabel("Company name");
  await company.fill("Northwind Tea");
  await p.locator("form.company").getByRole("button", { name: "Save" }).click();
  await p.locator("form.company").getByRole("status").filter({ hasText: "Saved." }).waitFor();
  assert.equal((await api(edge.base, "GET", "/api/v1/deployment", { token: anna.token })).body.company_name, "Northwind Tea");
  const newLine = p.locator("form.new-line");
  await newLine.getByLabel(/^Line id/).fill("by-company");
  assert.equal(await newLine.getByLabel("Line name").getAttribute("placeholder"), "Northwind Tea");
  await newLine.getByRole("button", { name: "Create" }).click();
  await p.locator('article[data-line="by-company"] h4', { hasText: "Northwind Tea (by-company)" }).waitFor();

  // L3: deleting a line asks first and says what happens; declined, nothing goes.
  await newLine.getByLabel(/^Line id/).fill("doomed-ui");
  await newLine.getByLabel("Line name").fill("Doomed");
  await newLine.getByRole("button", { name: "Create" }).click();
  const card = p.locator('article[data-line="doomed-ui"]');
  await card.waitFor();
  let asked = "";
  p.once("dialog", (d) => { asked = d.message(); d.dismiss(); });
  await card.getByRole("button", { name: "Delete line" }).click();
  await until(async () => asked !== "", "the confirmation");
  assert.match(asked, /open conversations end at once/);
  assert.match(asked, /widget stops working/);
  assert.equal((await api(edge.base, "GET", "/api/v1/lines/doomed-ui/settings", { token: admin.token })).status, 200, "kept");
  p.once("dialog", (d) => d.accept());
  await card.getByRole("button", { name: "Delete line" }).click();
  await card.waitFor({ state: "detached" });
  assert.equal((await api(edge.base, "GET", "/api/v1/lines/doomed-ui/settings", { token: admin.token })).status, 404);

  // T3: the action after the client's silence; the message only where it is sent.
  await p.getByLabel("Line", { exact: true }).selectOption("by-company");
  await p.getByRole("tab", { name: "Line settings" }).click();
  await p.getByLabel("Auto-close when the client is silent").check();
  const action = p.getByLabel("Then", { exact: true });
  assert.equal(await action.inputValue(), "close_with_message");
  await p.getByLabel(/^Message to the client/).waitFor();
  await action.selectOption("return_to_queue");
  await p.getByLabel(/^Message to the client/).waitFor({ state: "detached" });
  await p.getByRole("button", { name: "Save" }).click();
  await p.getByText("Saved.").waitFor();
  const saved = (await api(edge.base, "GET", "/api/v1/lines/by-company/settings", { token: admin.token })).body;
  assert.equal(saved.name, "Northwind Tea");
  assert.deepEqual(saved.auto_close, { after_ms: 30 * 60_000, message: "", action: "return_to_queue" });

  // The operator's chat header names the line the client wrote to.
  const v = await visitor(edge.base, "by-company");
  await visitorSays(edge.base, v, "Hello from the company line");
  await p.getByRole("button", { name: "Dialogs", exact: true }).click();
  const row = await rowIn(p, "All", v.dialog);
  await row.getByRole("button", { name: /^Open dialog/ }).click();
  await p.locator(".chat-header .line-name", { hasText: "Northwind Tea" }).waitFor();
  await p.close();
});

test("F5 in the admin UI: which contact form shows in which case, with its words and fields", async () => {
  await makeLine(edge.base, admin, "f5ui");
  const p = await adminConsole(borisBrowser);
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByLabel("Line", { exact: true }).selectOption("f5ui");
  await p.getByRole("tab", { name: "Line settings" }).click();
  // A new line's forms as before F5: after the greeting, busy and offline.
  const busy = p.getByRole("checkbox", { name: "When all operators are busy" });
  assert.equal(await busy.isChecked(), true);
  const afterClose = p.getByRole("checkbox", { name: "After the conversation is closed" });
  assert.equal(await afterClose.isChecked(), false);
  await busy.uncheck();
  await afterClose.check();
  const fields = p.getByRole("group", { name: "After the conversation is closed: fields" });
  await fields.getByLabel("Name").uncheck();
  await fields.getByLabel("E-mail").uncheck();
  const closeCase = p.locator('[data-field="widget.forms.after_close"]');
  await closeCase.getByLabel(/^Text above the form/).fill("Shall we call you about your order?");
  await p.getByRole("button", { name: "Save" }).click();
  await p.getByText("Saved.").waitFor();
  const saved = (await api(edge.base, "GET", "/api/v1/lines/f5ui/settings", { token: admin.token })).body;
  assert.equal(saved.widget.forms.busy, undefined);
  assert.deepEqual(saved.widget.forms.after_close, { text: "Shall we call you about your order?", fields: ["phone"] });
  assert.ok(saved.widget.forms.after_greeting && saved.widget.forms.offline, "the other cases kept");
  // A form without fields is refused by name, nothing saved.
  await fields.getByLabel("Phone").uncheck();
  await p.getByRole("button", { name: "Save" }).click();
  await closeCase.locator(".field-error").waitFor();
  const kept = (await api(edge.base, "GET", "/api/v1/lines/f5ui/settings", { token: admin.token })).body;
  assert.deepEqual(kept.widget.forms.after_close.fields, ["phone"]);
  await p.close();
});
