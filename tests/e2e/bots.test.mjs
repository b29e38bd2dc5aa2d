// Issue 13, B1–B3: a chat bot registered through the API takes a line's
// new conversations, hears them signed, answers through the bot API with
// its token, hands over to the operators when asked (or when its time runs
// out, B2) and may close; operators read its part of the transcript; its
// calls are refused once it no longer holds the dialog. The bot is the
// example in examples/faq-bot, run as it is.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, consolePage, login, makeLine, shopPage, until, visitor, visitorSays } from "./client.mjs";
import { FAQ, GREETING, TOPICS, startFaqBot } from "../../examples/faq-bot/bot.mjs";

let edge, bot, admin, anna, sveta, made, browser, second;
before(async () => {
  edge = await startEdge();
  bot = await startFaqBot({ base: edge.base });
  [admin, anna, sveta] = await Promise.all(["admin", "anna", "sveta"].map((w) => login(edge.base, w)));
});
after(async () => {
  await browser?.close();
  await edge?.stop();
  await bot?.close();
  await second?.close();
});

const call = (method, path, who, body) => api(edge.base, method, path, { token: who?.token, body });
const said = async (v) => (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v.token })).body.messages.filter((m) => m.author.kind !== "system");
const unname = async (line) => {
  const s = (await call("GET", `/api/v1/lines/${line}/settings`, admin)).body;
  assert.equal((await call("PUT", `/api/v1/lines/${line}/settings`, admin, { ...s, bot: null })).status, 200);
};
const status = async (line, dialog) => (await call("GET", `/api/v1/lines/${line}/dialogs`, admin)).body.dialogs.find((d) => d.id === dialog)?.status?.state;

test("B3: only administrators register bots; the token is shown once and never listed", async () => {
  assert.equal((await call("POST", "/api/v1/bots", anna, { name: "FAQ bot", url: bot.url })).status, 403);
  assert.equal((await call("GET", "/api/v1/bots", sveta)).status, 403);
  for (const [body, field] of [[{ name: "", url: bot.url }, /^name/], [{ name: "FAQ bot", url: "ftp://x" }, /^url/]]) {
    const r = await call("POST", "/api/v1/bots", admin, body);
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, field);
  }
  // A picture is a web address the widget may show, nothing else.
  for (const avatar of ["javascript:alert(1)", "//evil.example/a.png", "/\\evil.example/a.png", "http://shop.example/a.png"]) {
    const r = await call("POST", "/api/v1/bots", admin, { name: "FAQ bot", url: bot.url, avatar });
    assert.equal(r.status, 400, avatar);
    assert.match(r.body.error.message, /^avatar: /);
  }
  assert.deepEqual((await call("GET", "/api/v1/bots", admin)).body.bots, [], "nothing refused was kept");
  const r = await call("POST", "/api/v1/bots", admin, { name: "FAQ bot", url: bot.url, avatar: "https://shop.example/faq.png" });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  made = r.body;
  assert.match(made.token, /^bot_[0-9a-f]{16}\.[0-9a-f]{64}$/);
  bot.setToken(made.token);
  const listed = await call("GET", "/api/v1/bots", admin);
  assert.deepEqual(listed.body.bots.map((b) => [b.id, b.name, b.avatar]), [[made.bot.id, "FAQ bot", "https://shop.example/faq.png"]]);
  assert.ok(!JSON.stringify(listed.body).includes(made.token.split(".")[1]));

  // Changing a bot: administrators only; what is refused changes nothing.
  const path = `/api/v1/bots/${made.bot.id}`;
  assert.equal((await call("PATCH", path, anna, { name: "Mine" })).status, 403);
  assert.equal((await call("PATCH", path, null, { name: "Mine" })).status, 401);
  assert.equal((await call("PATCH", "/api/v1/bots/bot_0000000000000000", admin, { name: "Mine" })).status, 404);
  const empty = await call("PATCH", path, admin, {});
  assert.equal(empty.status, 400, "a change of nothing is not a change");
  for (const [body, field] of [[{ avatar: "javascript:x" }, /^avatar: /], [{ name: " " }, /^name: /], [{ url: "ftp://x" }, /^url/]]) {
    const bad = await call("PATCH", path, admin, body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.match(bad.body.error.message, field);
  }
  const renamed = await call("PATCH", path, admin, { name: "Tea FAQ", avatar: "" });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  assert.deepEqual([renamed.body.name, renamed.body.avatar, renamed.body.url], ["Tea FAQ", undefined, bot.url]);
  assert.equal((await call("PATCH", path, admin, { name: "FAQ bot" })).body.name, "FAQ bot");
  const after = (await call("GET", "/api/v1/bots", admin)).body.bots;
  assert.deepEqual(after.map((b) => [b.name, b.avatar]), [["FAQ bot", undefined]]);
  assert.ok(!JSON.stringify(renamed.body).includes(made.token.split(".")[1]), "the token is never shown again");
});

test("B1: a line's settings may name only a registered bot", async () => {
  const line = await makeLine(edge.base, admin, "botless");
  const r = await call("PUT", "/api/v1/lines/botless/settings", admin, { ...line, bot: { bot: "bot_0000000000000000", first_dialog_only: false, handoff_after_ms: 60_000 } });
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.match(r.body.error.message, /^bot\.bot: no such bot/);
  const kept = await call("GET", "/api/v1/lines/botless/settings", admin);
  assert.equal(kept.body.bot ?? null, null, "nothing was saved");
});

test("B1/B3: the bot takes a new conversation, answers from its FAQ, and hands it to an operator when asked; then its calls are refused", async () => {
  await makeLine(edge.base, admin, "botline", {
    mode: "all_at_once",
    queueLogins: ["anna"],
    bot: { bot: made.bot.id, first_dialog_only: false, handoff_after_ms: 30 * 60_000 },
  });
  const v = await visitor(edge.base, "botline");
  assert.equal((await visitorSays(edge.base, v, "How long does delivery take?")).status, 201);
  await until(async () => (await said(v)).length >= 3, "the greeting and the answer");
  const texts = (await said(v)).map((m) => [m.author.kind, m.author.name ?? null, m.text]);
  // The greeting (on the dialog's opening) and the client's question may
  // cross; the answer follows the question.
  const greeting = ["operator", "FAQ bot", GREETING];
  const question = ["visitor", null, "How long does delivery take?"];
  assert.deepEqual(new Set(texts.slice(0, 2).map((t) => JSON.stringify(t))), new Set([greeting, question].map((t) => JSON.stringify(t))));
  assert.deepEqual(texts[2], ["operator", "FAQ bot", FAQ[0][1]]);
  assert.equal(await status("botline", v.dialog), "with_bot", "no operator is offered it meanwhile");
  // While the bot holds it, the line's people watch it; others may not.
  const history = `/api/v1/lines/botline/dialogs/${v.dialog}/messages`;
  for (const who of [sveta, anna]) {
    const watched = (await call("GET", history, who)).body.messages;
    assert.ok(watched.some((m) => m.text === FAQ[0][1]), JSON.stringify(watched));
  }
  const boris = await login(edge.base, "boris");
  assert.equal((await call("GET", history, boris)).status, 403, "Boris is not on this line");

  assert.equal((await visitorSays(edge.base, v, "Can I talk to an operator?")).status, 201);
  await until(async () => ["offered", "queued"].includes(await status("botline", v.dialog)), "handed over");
  assert.equal((await call("POST", `/api/v1/lines/botline/dialogs/${v.dialog}/accept`, anna)).status, 200);
  // The operator who takes it over reads the bot's part of it.
  const seen = (await call("GET", history, anna)).body.messages;
  assert.ok(seen.some((m) => m.text === FAQ[0][1] && m.author.name === "FAQ bot"), JSON.stringify(seen));
  const late = await api(edge.base, "POST", `/api/v1/lines/botline/dialogs/${v.dialog}/bot/messages`, {
    headers: { Authorization: `Bearer ${made.token}` },
    body: { client_id: "late-1", text: "Still here!" },
  });
  assert.equal(late.status, 409, "the bot no longer holds it");
  // An operator takes a dialog over from the bot: the bot leaves.
  const taken = await visitor(edge.base, "botline");
  assert.equal((await visitorSays(edge.base, taken, "Something unusual")).status, 201);
  assert.equal(await status("botline", taken.dialog), "with_bot");
  assert.equal((await call("POST", `/api/v1/lines/botline/dialogs/${taken.dialog}/accept`, anna)).status, 200);
  assert.equal(await status("botline", taken.dialog), "active");
  const left = await api(edge.base, "POST", `/api/v1/lines/botline/dialogs/${taken.dialog}/bot/messages`, {
    headers: { Authorization: `Bearer ${made.token}` },
    body: { client_id: "late-2", text: "Let me help" },
  });
  assert.equal(left.status, 409, "taken over: the bot left");

  assert.equal(bot.stats.refused, 0, "every event was signed with the bot's token");
  assert.ok(bot.stats.events >= 3);
});

test("B2/B3: a bot's time runs out and the dialog goes to the queue; a bot may close; a wrong token is refused", async () => {
  await makeLine(edge.base, admin, "botwait", {
    mode: "all_at_once",
    bot: { bot: made.bot.id, first_dialog_only: false, handoff_after_ms: 2 * 60_000 },
  });
  const quiet = await visitor(edge.base, "botwait");
  assert.equal((await visitorSays(edge.base, quiet, "Hmm")).status, 201);
  assert.equal(await status("botwait", quiet.dialog), "with_bot");
  await until(async () => ["offered", "queued"].includes(await status("botwait", quiet.dialog)), "handed over after 2 minutes (2 s here)");

  const done = await visitor(edge.base, "botwait");
  assert.equal((await visitorSays(edge.base, done, "bye")).status, 201);
  await until(async () => (await status("botwait", done.dialog)) === "finished", "closed by the bot");

  const v = await visitor(edge.base, "botwait");
  assert.equal((await visitorSays(edge.base, v, "Hello")).status, 201);
  const path = `/api/v1/lines/botwait/dialogs/${v.dialog}/bot/messages`;
  const wrong = made.token.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
  for (const auth of [undefined, "Bearer nonsense", `Bearer ${wrong}`]) {
    const r = await api(edge.base, "POST", path, { headers: auth ? { Authorization: auth } : {}, body: { client_id: "x-1", text: "hi" } });
    assert.equal(r.status, 401, String(auth));
  }
  // A stranger who knows the bot's id cannot spend its budget: guesses
  // are counted by their address, the bot's own calls by its token.
  let limited = false;
  // (Up to 300 tries: on a slow machine 70 may spread over two windows.)
  for (let i = 0; i < 300 && !limited; i++) {
    const r = await api(edge.base, "POST", path, {
      headers: { Authorization: `Bearer ${made.bot.id}.${"f".repeat(64)}`, "CF-Connecting-IP": "198.18.9.9" },
      body: { client_id: `x-${i}`, text: "spam" },
    });
    if (r.status === 429) limited = true;
    else assert.equal(r.status, 401);
  }
  assert.ok(limited, "guesses from one address are limited");
  const real = await api(edge.base, "POST", path, { headers: { Authorization: `Bearer ${made.token}` }, body: { client_id: "real-1", text: "Still answering" } });
  assert.equal(real.status, 201, JSON.stringify(real.body));

  // Not while a line still hands it dialogs.
  const named = await call("DELETE", `/api/v1/bots/${made.bot.id}`, admin);
  assert.equal(named.status, 409);
  assert.match(named.body.error.message, /^the line 'bot(line|wait)' hands its new dialogs to this bot/);
  await unname("botline");
  await unname("botwait");
  assert.equal((await call("DELETE", `/api/v1/bots/${made.bot.id}`, admin)).status, 200);
  const gone = await api(edge.base, "POST", path, { headers: { Authorization: `Bearer ${made.token}` }, body: { client_id: "x-2", text: "hi" } });
  assert.equal(gone.status, 401, "a removed bot's token is refused");
  assert.equal((await call("DELETE", `/api/v1/bots/${made.bot.id}`, admin)).status, 404);
});

test("B3: a bot's quick replies are buttons in the widget; a pick is the client's message, and the buttons go", async () => {
  // A bot of its own (the first one was removed above).
  const picker = await startFaqBot({ base: edge.base });
  const reg = await call("POST", "/api/v1/bots", admin, { name: "FAQ bot", url: picker.url, avatar: "/assets/faq-bot.svg" });
  assert.equal(reg.status, 201, JSON.stringify(reg.body));
  picker.setToken(reg.body.token);
  try {
    await makeLine(edge.base, admin, "botpicks", {
      mode: "all_at_once",
      bot: { bot: reg.body.bot.id, first_dialog_only: false, handoff_after_ms: 30 * 60_000 },
    });
    browser ??= await launchBrowser();
    const page = await shopPage(browser.context, edge.base, "botpicks");
    await page.getByRole("button", { name: "Open chat" }).click();
    const panel = page.getByRole("dialog");
    // The greeting and the answer to "Hi" (not understood) both offer the
    // topics; whichever is the last word shows them.
    await panel.getByLabel("Message").fill("Hi");
    await panel.getByLabel("Message").press("Enter");
    const picks = panel.getByRole("group", { name: "Suggested answers" });
    await picks.waitFor();
    assert.deepEqual(await picks.getByRole("button").allTextContents(), TOPICS);
    // The bot is shown like an operator: its name and its picture.
    const card = panel.locator(".ol-operator");
    await card.getByText("FAQ bot").waitFor();
    const avatar = card.locator("img.ol-avatar");
    await avatar.waitFor();
    assert.equal(await avatar.getAttribute("src"), `${edge.base}/assets/faq-bot.svg`);
    await until(() => avatar.evaluate((i) => i.complete && i.naturalWidth > 0), "the bot's picture loaded");
    await screenshot(page, "widget-quick-replies");
    await picks.getByRole("button", { name: "Returns" }).click();
    await panel.locator("li.ol-from-visitor", { hasText: "Returns" }).waitFor();
    await panel.locator("li.ol-from-operator", { hasText: FAQ[2][1] }).waitFor();
    assert.equal(await picks.count(), 0, "answered: the buttons are gone");
    const session = await page.evaluate(() => JSON.parse(localStorage.getItem("openline:botpicks:session")));
    const messages = (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: session.token })).body.messages;
    assert.deepEqual(messages.find((m) => m.text === GREETING).quick_replies, TOPICS);
    assert.ok(messages.some((m) => m.author.kind === "visitor" && m.text === "Returns"));
    await page.close();

    // What the API refuses: too many, too long, empty, twice.
    const path = `/api/v1/lines/botpicks/dialogs/${session.dialog}/bot/messages`;
    for (const quick_replies of [Array.from({ length: 11 }, (_, i) => `t${i}`), ["x".repeat(41)], [" "], ["Yes", "Yes"]]) {
      const r = await api(edge.base, "POST", path, { headers: { Authorization: `Bearer ${reg.body.token}` }, body: { client_id: `qr-${quick_replies.length}-${quick_replies[0].length}`, text: "Pick one", quick_replies } });
      assert.equal(r.status, 400, JSON.stringify(quick_replies));
      assert.match(r.body.error.message, /^quick_replies: /);
    }
  } finally {
    await picker.close();
  }
});

test("B3 in the console: an administrator registers a bot, sees its token once, the bot answers on a line, and removing it stops it", async () => {
  second = await startFaqBot({ base: edge.base });
  browser ??= await launchBrowser();
  const p = await consolePage(browser.context, edge.base, "admin");
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByRole("tab", { name: "Integrations" }).click();
  const section = p.locator("section.bots");
  await section.getByLabel("Name shown to clients").fill("Tea helper");
  await section.getByLabel("Address").fill(second.url);
  await section.getByLabel(/^Picture/).fill("/assets/faq-bot.svg");
  await section.getByRole("button", { name: "Register a bot" }).click();
  const token = await section.locator(".secret code").textContent();
  assert.match(token, /^bot_[0-9a-f]{16}\.[0-9a-f]{64}$/);
  second.setToken(token);
  const row = section.locator("tr", { hasText: "Tea helper" });
  const id = (await row.locator("code").textContent()).trim();
  assert.equal(id, token.split(".")[0]);
  assert.equal(await row.locator("img").getAttribute("src"), "/assets/faq-bot.svg");
  assert.ok(!(await section.locator("table").innerText()).includes(token.split(".")[1]), "the secret is not listed");
  await screenshot(p, "bots-console");

  // The administrator names the bot in the line's settings.
  await makeLine(edge.base, admin, "botconsole");
  await p.reload();
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByLabel("Line", { exact: true }).selectOption("botconsole");
  await p.getByRole("tab", { name: "Line settings" }).click();
  await p.getByLabel("A bot answers first").check();
  await p.getByLabel("Bot id").fill(id);
  await p.getByLabel("Hand over to the queue after (seconds)").fill("1800");
  await p.getByRole("button", { name: "Save" }).click();
  await p.locator("form.settings .save-bar [role=status]", { hasText: "Saved. Changed: Chat bot." }).waitFor();
  const named = (await api(edge.base, "GET", "/api/v1/lines/botconsole/settings", { token: admin.token })).body.bot;
  assert.deepEqual(named, { bot: id, first_dialog_only: false, handoff_after_ms: 1_800_000 });
  const v = await visitor(edge.base, "botconsole");
  assert.equal((await visitorSays(edge.base, v, "Do you take PayPal?")).status, 201);
  await until(async () => (await said(v)).some((m) => m.text === FAQ[1][1] && m.author.name === "Tea helper"), "the bot's answer under its name");

  // The line's people read the bot's part, with what it offered to pick.
  await p.reload();
  await p.getByLabel("Line", { exact: true }).selectOption("botconsole");
  await p.getByRole("tab", { name: /^All/ }).click();
  await p.locator(`tr[data-dialog="${v.dialog}"]`).getByRole("button", { name: /^Open dialog/ }).click();
  const greeting = p.locator(".msg.from-operator", { hasText: GREETING });
  await greeting.locator(".offered").waitFor();
  assert.equal((await greeting.locator(".offered").textContent()).trim(), `Offered to pick: ${TOPICS.join(" · ")}`);
  assert.equal(await p.locator(".msg.from-operator", { hasText: FAQ[1][1] }).locator(".offered").count(), 0, "an answer without replies offers nothing");
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByRole("tab", { name: "Integrations" }).click();

  await unname("botconsole");
  p.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Remove" }).click();
  await row.waitFor({ state: "detached" });
  const r = await api(edge.base, "POST", `/api/v1/lines/botconsole/dialogs/${v.dialog}/bot/messages`, {
    headers: { Authorization: `Bearer ${token}` },
    body: { client_id: "after-1", text: "still?" },
  });
  assert.equal(r.status, 401);
});
