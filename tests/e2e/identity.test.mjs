// Logged-in users of the host site (the snippet's identity hash): a
// verified user is one client on every device, their open dialog resumes on
// a second device, their name reaches the client card, and a wrong hash or
// a borrowed client id is refused with a structured error.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, login, until } from "./client.mjs";

const SECRET = "northwind-identity-secret-2026";
const sign = (id) => createHmac("sha256", SECRET).update(id).digest("hex");

let edge, laptop, phone, admin, anna;
before(async () => {
  edge = await startEdge();
  [laptop, phone] = await Promise.all([launchBrowser(), launchBrowser()]);
  admin = await login(edge.base, "admin");
  anna = await login(edge.base, "anna");
  const s = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
  s.identity_secret = "too short";
  const refused = await api(edge.base, "PUT", "/api/v1/lines/demo/settings", { token: admin.token, body: s });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.code, "invalid_field");
  assert.match(refused.body.error.message, /identity_secret/);
  s.identity_secret = SECRET;
  assert.equal((await api(edge.base, "PUT", "/api/v1/lines/demo/settings", { token: admin.token, body: s })).status, 200);
});
after(async () => {
  await laptop?.close();
  await phone?.close();
  await edge?.stop();
});

/** Opens a page of the shop's account area that embeds the snippet for `user` (or anonymously). */
async function accountPage(browser, user) {
  const page = await browser.context.newPage();
  const attrs = user
    ? `data-user-id="${user.id}" data-user-hash="${user.hash ?? sign(user.id)}" data-user-name="${user.name}" data-user-email="${user.email}"`
    : "";
  await page.route(`${edge.base}/account.html`, (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><html lang="en"><head><title>My account — Northwind Tea</title></head>
        <body><main><h1>My account</h1></main>
        <script src="/widget.js" data-line="demo" ${attrs} async></script></body></html>`,
    }),
  );
  await page.goto(`${edge.base}/account.html`);
  await page.getByRole("button", { name: "Open chat" }).click();
  return { page, panel: page.getByRole("dialog", { name: "Chat with Northwind Tea" }) };
}

test("the API refuses a wrong identity hash, storing nothing, and never lends a verified client id", async () => {
  const before = (await api(edge.base, "GET", "/api/v1/lines/demo/dialogs", { token: anna.token })).body.dialogs.length;
  const wrong = await api(edge.base, "POST", "/api/v1/visitor/sessions", {
    body: { line: "demo", identity: { user_id: "42", hash: sign("43") } },
  });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.body.error.code, "forbidden");
  assert.match(wrong.body.error.message, /identity\.hash/);
  const verified = await api(edge.base, "POST", "/api/v1/visitor/sessions", {
    body: { line: "demo", identity: { user_id: "7", hash: sign("7") } },
  });
  assert.equal(verified.status, 201);
  const borrowed = await api(edge.base, "POST", "/api/v1/visitor/sessions", {
    body: { line: "demo", client: verified.body.client },
  });
  assert.equal(borrowed.status, 201, "an anonymous visitor, not the verified one");
  assert.notEqual(borrowed.body.client, verified.body.client);
  assert.match(borrowed.body.client, /^v/);
  const after = (await api(edge.base, "GET", "/api/v1/lines/demo/dialogs", { token: anna.token })).body.dialogs.length;
  assert.equal(after, before + 2, "the forged identity opened nothing");
});

test("a verified user continues the same dialog on a second device; logged out, the browser starts afresh", async () => {
  const olga = { id: "42", name: "Olga Petrova", email: "olga@example.com" };
  const first = await accountPage(laptop, olga);
  await first.panel.getByLabel("Message").fill("Hello from my laptop");
  await first.panel.getByRole("button", { name: "Send", exact: true }).click();
  await first.panel.locator('li[data-delivery="sent"]', { hasText: "Hello from my laptop" }).waitFor();
  const session = await first.page.evaluate(() => JSON.parse(localStorage.getItem("openline:demo:session")));
  assert.match(session.client, /^u[0-9a-f]{24}$/);

  // The site's name and e-mail for the user are on the client card (C1).
  const card = await api(edge.base, "GET", `/api/v1/lines/demo/clients/${session.client}`, { token: anna.token });
  assert.equal(card.status, 200, JSON.stringify(card.body));
  assert.match(JSON.stringify(card.body), /Olga Petrova/);
  assert.match(JSON.stringify(card.body), /olga@example\.com/);

  // The phone has never seen this chat: the same dialog, its history, and
  // what is written there reaches the laptop too.
  const second = await accountPage(phone, olga);
  await second.panel.getByText("Hello from my laptop").waitFor();
  const phoneSession = await second.page.evaluate(() => JSON.parse(localStorage.getItem("openline:demo:session")));
  assert.equal(phoneSession.dialog, session.dialog);
  assert.notEqual(phoneSession.token, session.token, "each device has its own token");
  await second.panel.getByLabel("Message").fill("And now from my phone");
  await second.panel.getByRole("button", { name: "Send", exact: true }).click();
  await second.panel.locator('li[data-delivery="sent"]', { hasText: "And now from my phone" }).waitFor();
  await screenshot(second.page, "widget-identity-second-device");
  // Live on the laptop, which is still open.
  await first.panel.getByText("And now from my phone").waitFor();
  assert.equal(await second.panel.getByText("Reconnecting…").isVisible(), false, "the second device is live");
  const history = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: session.token });
  assert.deepEqual(history.body.messages.map((m) => m.text), ["Hello from my laptop", "And now from my phone"]);

  // A wrong hash (e.g. a visitor editing the page) is refused visibly.
  const forged = await accountPage(phone, { ...olga, id: "43", hash: sign("42") });
  await forged.panel.getByRole("alert").getByText(/does not match/).waitFor();

  // Logged out on the laptop: the stored token is Olga's, so it does not
  // resume; a new anonymous conversation starts.
  const anonymous = await accountPage(laptop, null);
  await anonymous.panel.getByLabel("Message").fill("Just browsing");
  await anonymous.panel.getByRole("button", { name: "Send", exact: true }).click();
  await anonymous.panel.locator('li[data-delivery="sent"]', { hasText: "Just browsing" }).waitFor();
  await until(async () => {
    const s = await anonymous.page.evaluate(() => JSON.parse(localStorage.getItem("openline:demo:session")));
    return s && s.dialog !== session.dialog && s.client.startsWith("v");
  }, "a new anonymous session");
  assert.equal(await anonymous.panel.getByText("Hello from my laptop").count(), 0);
  for (const p of [first.page, second.page, forged.page, anonymous.page]) await p.close();
});

test("the identity secret is write-only: nobody reads it back, saving without it keeps it, emptying it removes it", async () => {
  const sveta = await login(edge.base, "sveta");
  for (const who of [admin, sveta]) {
    const r = await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: who.token });
    assert.equal(r.status, 200);
    assert.ok(!JSON.stringify(r.body).includes(SECRET), "the secret never leaves the edge");
    assert.equal(r.body.identity_secret, undefined);
    assert.equal(r.body.identity_secret_set, true);
  }
  const signedIn = (userId) =>
    api(edge.base, "POST", "/api/v1/visitor/sessions", { body: { line: "demo", identity: { user_id: userId, hash: sign(userId) } } });
  // The settings saved as they were read (no secret in them) keep it.
  const s = (await api(edge.base, "GET", "/api/v1/lines/demo/settings", { token: admin.token })).body;
  const saved = await api(edge.base, "PUT", "/api/v1/lines/demo/settings", { token: admin.token, body: s });
  assert.equal(saved.status, 200);
  assert.equal(saved.body.identity_secret_set, true);
  assert.ok(!JSON.stringify(saved.body).includes(SECRET));
  assert.equal((await signedIn("write-only-1")).status, 201);
  // An empty secret removes it: the line then verifies nobody.
  const removed = await api(edge.base, "PUT", "/api/v1/lines/demo/settings", { token: admin.token, body: { ...s, identity_secret: "" } });
  assert.equal(removed.body.identity_secret_set, false);
  const refused = await signedIn("write-only-2");
  assert.equal(refused.status, 400);
  assert.match(refused.body.error.message, /^identity/);
});
