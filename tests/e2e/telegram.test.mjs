// Issue 13, N2 through the channel layer (L4): an administrator connects a
// Telegram bot to a line; Telegram's updates come to the edge's webhook
// with the secret it registered (anything else 401, nothing stored), each
// taken once; the client's words reach the operators like the widget's,
// and their answers reach the chat through the Bot API, retried when
// Telegram asks to wait; what cannot be delivered is shown to the
// operators. Telegram is tests/fakes/telegram_api.mjs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSays, until, visitor, visitorSays } from "./client.mjs";
import { startTelegram, textUpdate, TOKEN } from "../fakes/telegram_api.mjs";
import { FAQ, GREETING, TOPICS, startFaqBot } from "../../examples/faq-bot/bot.mjs";

let edge, tg, admin, sveta, anna, settings;
before(async () => {
  tg = await startTelegram();
  edge = await startEdge({ vars: { OPENLINE_TELEGRAM_API: tg.base } });
  [admin, sveta, anna] = await Promise.all(["admin", "sveta", "anna"].map((w) => login(edge.base, w)));
  settings = await makeLine(edge.base, admin, "tg", { mode: "all_at_once", queueLogins: ["anna"] });
});
after(async () => {
  await edge?.stop();
  await tg?.close();
});

const call = (method, path, who, body) => api(edge.base, method, path, { token: who?.token, body });
const post = (update, secret) =>
  api(edge.base, "POST", "/api/v1/lines/tg/channels/telegram/updates", {
    body: update,
    headers: secret === undefined ? {} : { "X-Telegram-Bot-Api-Secret-Token": secret },
  });
const dialogs = async () => (await call("GET", "/api/v1/lines/tg/dialogs", admin)).body.dialogs;
const dialogOf = async (client) => (await dialogs()).find((d) => d.client === client);
const messages = async (dialog) => (await call("GET", `/api/v1/lines/tg/dialogs/${dialog}/messages`, admin)).body.messages;

test("N2: an administrator connects a bot with its token; Telegram checks it and gets the webhook; credentials are never shown", async () => {
  const good = { token: TOKEN };
  assert.equal((await call("PUT", "/api/v1/lines/tg/channels/telegram", anna, good)).status, 403);
  assert.equal((await call("PUT", "/api/v1/lines/tg/channels/telegram", sveta, good)).status, 403);
  assert.deepEqual((await call("GET", "/api/v1/lines/tg/channels", sveta)).body, { channels: [] });
  const shape = await call("PUT", "/api/v1/lines/tg/channels/telegram", admin, { token: "not a token" });
  assert.equal(shape.status, 400);
  assert.match(shape.body.error.message, /^token/);
  assert.equal(tg.calls.length, 0, "a token of the wrong shape is not sent anywhere");
  const unknown = await call("PUT", "/api/v1/lines/tg/channels/telegram", admin, { token: "987654321:WRONG-token_0123456789abcdefghijklmn" });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error.message, /^token: Telegram does not know this token/);
  assert.equal(tg.webhook, null);

  const made = await call("PUT", "/api/v1/lines/tg/channels/telegram", admin, good);
  assert.equal(made.status, 200, JSON.stringify(made.body));
  assert.deepEqual([made.body.kind, made.body.name], ["telegram", "@northwind_tea_bot"]);
  assert.equal(tg.webhook.url, `${edge.base}/api/v1/lines/tg/channels/telegram/updates`);
  assert.match(tg.webhook.secret_token, /^[0-9a-f]{64}$/);
  assert.deepEqual(tg.webhook.allowed_updates, ["message"]);
  const listed = await call("GET", "/api/v1/lines/tg/channels", sveta);
  assert.deepEqual(listed.body.channels.map((c) => [c.kind, c.name]), [["telegram", "@northwind_tea_bot"]]);
  const text = JSON.stringify(listed.body);
  assert.ok(!text.includes(TOKEN) && !text.includes(tg.webhook.secret_token), "write-only");
});

test("N2: updates without the secret are refused and store nothing; /start greets; the client's words reach the operators once; answers reach the chat after Telegram's 429", async () => {
  const secret = tg.webhook.secret_token;
  for (const wrong of [undefined, "", "0".repeat(64)]) {
    const r = await post(textUpdate(1, 42, "Hello from Telegram"), wrong);
    assert.equal(r.status, 401, `secret ${wrong}`);
    assert.equal(r.body.error.code, "unauthorized");
  }
  assert.deepEqual(await dialogs(), [], "nothing was stored");

  assert.equal((await post(textUpdate(2, 42, "/start"), secret)).status, 200);
  await until(() => tg.sent(42).includes(settings.widget.greeting), "the greeting in the chat");
  assert.deepEqual(await dialogs(), [], "/start alone opens no dialog");

  assert.equal((await post(textUpdate(3, 42, "Hello from Telegram"), secret)).status, 200);
  assert.equal((await post(textUpdate(3, 42, "Hello from Telegram"), secret)).status, 200, "Telegram's retry is answered");
  await until(async () => await dialogOf("tg-42"), "the dialog");
  const d = (await dialogOf("tg-42")).id;
  assert.deepEqual((await messages(d)).map((m) => [m.author.kind, m.text]), [["visitor", "Hello from Telegram"]], "taken once");
  const card = await call("GET", "/api/v1/lines/tg/clients/tg-42", anna);
  assert.equal(card.body.contacts.name, "Olga Petrova (@olgap)");

  tg.tooMany = 1;
  assert.equal((await call("POST", `/api/v1/lines/tg/dialogs/${d}/accept`, anna)).status, 200);
  assert.equal((await operatorSays(edge.base, anna, "tg", d, "internal: check the stock", true)).status, 201);
  assert.equal((await operatorSays(edge.base, anna, "tg", d, "We have forty tins.")).status, 201);
  await until(() => tg.calls.filter((c) => c.method === "sendMessage" && c.body.text.endsWith("We have forty tins.")).length === 2, "refused with 429, then sent");
  assert.match(tg.sent(42).at(-1), /^Anna.*: We have forty tins\.$/, "the operator's name leads");
  assert.ok(!tg.sent(42).some((t) => t.includes("internal")), "a hidden note never reaches the chat");

  // A photo is said, not dropped; the next words join the same dialog.
  const photo = textUpdate(4, 42, undefined);
  delete photo.message.text;
  photo.message.photo = [{ file_id: "AgAD", file_unique_id: "u1", width: 90, height: 90 }];
  photo.message.caption = "my receipt";
  assert.equal((await post(photo, secret)).status, 200);
  assert.equal((await post(textUpdate(5, 42, "Thank you!"), secret)).status, 200);
  await until(async () => (await messages(d)).length >= 4, "the photo note and the thanks");
  const visitor = (await messages(d)).filter((m) => m.author.kind === "visitor").map((m) => m.text);
  assert.deepEqual(visitor, ["Hello from Telegram", "[photo] my receipt", "Thank you!"]);
  assert.equal((await dialogs()).length, 1);
});

test("N2: an answer to a client who blocked the bot is given up and the operators read why", async () => {
  const secret = tg.webhook.secret_token;
  assert.equal((await post(textUpdate(10, 666, "Please call me", { first_name: "Ivan" }), secret)).status, 200);
  await until(async () => await dialogOf("tg-666"), "Ivan's dialog");
  const d = (await dialogOf("tg-666")).id;
  assert.equal((await call("POST", `/api/v1/lines/tg/dialogs/${d}/accept`, anna)).status, 200);
  assert.equal((await operatorSays(edge.base, anna, "tg", d, "Calling you now")).status, 201);
  await until(async () => (await messages(d)).some((m) => m.author.kind === "system" && /did not deliver/.test(m.text)), "the note");
  const note = (await messages(d)).find((m) => /did not deliver/.test(m.text));
  assert.equal(note.text, "Telegram did not deliver the last answer: Forbidden: bot was blocked by the user");
  assert.equal(note.hidden, true, "for the operators only");
  const channel = (await call("GET", "/api/v1/lines/tg/channels", admin)).body.channels[0];
  assert.match(channel.last_error, /blocked/);
});

test("S1 by channel: the line's statistics count its dialogs by where the client wrote from", async () => {
  const { visitor, visitorSays } = await import("./client.mjs");
  const v = await visitor(edge.base, "tg");
  assert.equal((await visitorSays(edge.base, v, "Hello from the site")).status, 201);
  const s = (await call("GET", "/api/v1/lines/tg/statistics", sveta)).body;
  const by = Object.fromEntries(s.channels.map((c) => [c.channel, c.dialogs.opened]));
  const telegram = (await dialogs()).filter((d) => d.client.startsWith("tg-")).length;
  assert.ok(telegram >= 2, "Olga's and Ivan's chats");
  assert.deepEqual(by, { widget: 1, telegram });
  assert.equal(s.channels[0].channel, "widget", "the site's chat first");
});

test("N2: a check asks Telegram whether the bot works: fine, failing deliveries, a webhook elsewhere, a revoked token; administrators only", async () => {
  const check = (who = admin) => call("POST", "/api/v1/lines/tg/channels/telegram/check", who);
  assert.equal((await check(sveta)).status, 403);
  assert.equal((await check(anna)).status, 403);
  const calls = tg.calls.length;
  assert.deepEqual((await check()).body, { name: "@northwind_tea_bot", problem: null, pending_updates: 0, telegram_error: null });
  assert.deepEqual(tg.calls.slice(calls).map((c) => c.method), ["getMe", "getWebhookInfo"]);
  // Telegram fails to deliver here (an old error alone is not a problem).
  tg.lastError = { date: Math.floor(Date.now() / 1000), message: "Wrong response from the webhook: 502 Bad Gateway" };
  assert.equal((await check()).body.problem, null);
  tg.pending = 4;
  assert.deepEqual((await check()).body, {
    name: "@northwind_tea_bot",
    problem: "delivery_failing",
    pending_updates: 4,
    telegram_error: "Wrong response from the webhook: 502 Bad Gateway",
  });
  [tg.pending, tg.lastError] = [0, null];
  const url = tg.webhook.url;
  tg.webhook.url = "https://elsewhere.example/hook";
  assert.equal((await check()).body.problem, "webhook_elsewhere");
  tg.webhook.url = url;
  tg.revoked = true;
  assert.equal((await check()).body.problem, "token_revoked");
  tg.revoked = false;
  assert.equal((await check()).body.problem, null, "a check changes nothing");
  assert.equal((await call("POST", "/api/v1/lines/nowhere/channels/telegram/check", admin)).status, 404);
});

test("N2 with files (issue 11.3): a client's photo and document become the message's file, a file the line refuses is said instead; an operator's files go as a photo and a document", async () => {
  const secret = tg.webhook.secret_token;
  const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
  const PDF = Buffer.from("%PDF-1.4\n%%EOF\n");
  tg.files.ph1 = { path: "photos/file_1.jpg", bytes: PNG };
  tg.files.doc1 = { path: "documents/file_2.pdf", bytes: PDF };
  tg.files.txt1 = { path: "documents/file_3.txt", bytes: Buffer.from("just words") };
  const withFile = (id, file, caption) => {
    const u = textUpdate(id, 77, undefined, { first_name: "Ivan" });
    delete u.message.text;
    Object.assign(u.message, file);
    if (caption) u.message.caption = caption;
    return u;
  };
  assert.equal((await post(textUpdate(30, 77, "Hello, the lid is broken", { first_name: "Ivan" }), secret)).status, 200);
  await until(async () => await dialogOf("tg-77"), "Ivan's dialog");
  const d = (await dialogOf("tg-77")).id;
  assert.equal((await call("POST", `/api/v1/lines/tg/dialogs/${d}/accept`, anna)).status, 200);

  const small = { file_id: "ph0", file_unique_id: "s", width: 90, height: 90 };
  const large = { file_id: "ph1", file_unique_id: "l", width: 800, height: 800 };
  assert.equal((await post(withFile(31, { photo: [small, large] }, "the broken lid"), secret)).status, 200);
  assert.equal((await post(withFile(32, { document: { file_id: "doc1", file_unique_id: "d", file_name: "order.pdf", mime_type: "application/pdf" } }), secret)).status, 200);
  assert.equal((await post(withFile(33, { document: { file_id: "txt1", file_unique_id: "t", file_name: "notes.txt", mime_type: "text/plain" } }), secret)).status, 200);
  await until(async () => (await messages(d)).length >= 4, "the three files");
  const ms = await messages(d);
  const photo = ms.find((m) => m.text === "the broken lid");
  assert.deepEqual([photo.attachment?.name, photo.attachment?.kind], ["photo.png", "png"], "the largest size, typed by content");
  const order = ms.find((m) => m.attachment?.name === "order.pdf");
  assert.equal(order?.text, "order.pdf");
  assert.ok(ms.some((m) => m.text === "[file: notes.txt]" && !m.attachment), "a kind the line refuses is said, not dropped");
  assert.ok(!tg.calls.some((c) => c.method === "getFile" && c.body.file_id === "ph0"), "only the largest size is fetched");
  const [, file] = photo.attachment.id.split("/");
  const link = await call("GET", `/api/v1/lines/tg/dialogs/${d}/attachments/${file}`, anna);
  assert.equal(link.status, 200);
  assert.ok(Buffer.from(await (await fetch(link.body.url)).arrayBuffer()).equals(PNG), "the photo's bytes, kept");

  // Anna answers with a PDF and a picture: a document and a photo, her name the caption.
  const upload = (name, bytes, type) =>
    api(edge.base, "POST", `/api/v1/lines/tg/dialogs/${d}/attachments?client_id=${name.replace(/\W/g, "")}&name=${name}`, { token: anna.token, body: new Uint8Array(bytes), headers: { "Content-Type": type } });
  assert.equal((await upload("Invoice.pdf", PDF, "application/pdf")).status, 201);
  assert.equal((await upload("lid.png", PNG, "image/png")).status, 201);
  const sent = (method) => tg.calls.find((c) => c.method === method && c.body.chat_id === 77);
  await until(() => sent("sendDocument") && sent("sendPhoto"), "both files at Telegram");
  const doc = sent("sendDocument").body;
  assert.deepEqual([doc.document.name, doc.document.type], ["Invoice.pdf", "application/pdf"]);
  assert.ok(doc.document.bytes.equals(PDF));
  assert.match(doc.caption, /^Anna/);
  assert.ok(sent("sendPhoto").body.photo.bytes.equals(PNG));
});

test("B3 through Telegram: a bot's quick replies are a one-time reply keyboard; a tap comes back as the client's words", async () => {
  const faq = await startFaqBot({ base: edge.base });
  try {
    const made = await call("POST", "/api/v1/bots", admin, { name: "FAQ bot", url: faq.url });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    faq.setToken(made.body.token);
    const s = (await call("GET", "/api/v1/lines/tg/settings", admin)).body;
    const bot = { bot: made.body.bot.id, first_dialog_only: false, handoff_after_ms: 30 * 60_000 };
    assert.equal((await call("PUT", "/api/v1/lines/tg/settings", admin, { ...s, bot })).status, 200);
    const secret = tg.webhook.secret_token;
    assert.equal((await post(textUpdate(90, 88, "Hello"), secret)).status, 200);
    const greeted = await until(
      () => tg.calls.find((c) => c.method === "sendMessage" && c.body.chat_id === 88 && c.body.text.endsWith(GREETING)),
      "the bot's greeting in the chat",
    ).catch(async (e) => {
      throw new Error(`${e.message}: sent ${JSON.stringify(tg.sent(88))}, bot ${JSON.stringify(faq.stats)}; ${JSON.stringify(await dialogOf("tg-88"))}`);
    });
    assert.deepEqual(greeted.body.reply_markup, {
      keyboard: TOPICS.map((text) => [{ text }]),
      one_time_keyboard: true,
      resize_keyboard: true,
    });
    // Tapping a button sends its text, like typing it.
    assert.equal((await post(textUpdate(91, 88, "Returns"), secret)).status, 200);
    await until(() => tg.sent(88).some((t) => t.endsWith(FAQ[2][1])), "the bot's answer");
    const answer = tg.calls.find((c) => c.method === "sendMessage" && c.body.chat_id === 88 && c.body.text.endsWith(FAQ[2][1]));
    // The answer takes the keyboard away (a one-time keyboard only hides:
    // it would stay a tap away, offering answers to a question now left).
    assert.deepEqual(answer.body.reply_markup, { remove_keyboard: true });
    // Once taken away, later answers carry nothing.
    assert.equal((await post(textUpdate(92, 88, "And shipping?"), secret)).status, 200);
    await until(() => tg.sent(88).some((t) => t.endsWith(FAQ[0][1])), "the bot's next answer");
    const next = tg.calls.find((c) => c.method === "sendMessage" && c.body.chat_id === 88 && c.body.text.endsWith(FAQ[0][1]));
    assert.equal(next.body.reply_markup, undefined, "no keyboard left to take away");
    assert.equal((await call("PUT", "/api/v1/lines/tg/settings", admin, { ...s, bot: null })).status, 200);
  } finally {
    await faq.close();
  }
});

test("C1 through Telegram: /start asks for the phone with Telegram's button when the line asks for one; the client's own shared contact is their phone, and a widget visitor who left it is proposed as the same person", async () => {
  const secret = tg.webhook.secret_token;
  // The line asks for contacts after the greeting (F2), the phone among them.
  const s = (await call("GET", "/api/v1/lines/tg/settings", admin)).body;
  assert.ok(s.widget.contact_request_after_s != null, "the default line asks after the greeting");
  assert.equal((await post(textUpdate(70, 61, "/start", { first_name: "Ivan" }), secret)).status, 200);
  const asked = await until(
    () => tg.calls.find((c) => c.method === "sendMessage" && c.body.chat_id === 61),
    "the greeting to Ivan",
  );
  assert.equal(asked.body.text, s.widget.greeting);
  assert.deepEqual(asked.body.reply_markup, {
    keyboard: [[{ text: "Share my phone number", request_contact: true }]],
    one_time_keyboard: true,
    resize_keyboard: true,
  });

  // A widget visitor of the line left a phone, spelt their way.
  const v = await visitor(edge.base, "tg");
  assert.equal((await visitorSays(edge.base, v, "Do you ship to Porto?")).status, 201);
  assert.equal((await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { name: "Ivan", phone: "+351 912-345-678" } })).status, 200);

  // Someone else's card is only words in the transcript.
  const other = textUpdate(71, 61, undefined, { first_name: "Ivan" });
  delete other.message.text;
  other.message.contact = { phone_number: "15550100", first_name: "Mum", user_id: 5 };
  assert.equal((await post(other, secret)).status, 200);
  await until(async () => await dialogOf("tg-61"), "Ivan's dialog");
  const d = (await dialogOf("tg-61")).id;
  const mine = textUpdate(72, 61, undefined, { first_name: "Ivan" });
  delete mine.message.text;
  mine.message.contact = { phone_number: "351912345678", first_name: "Ivan", user_id: 61 };
  assert.equal((await post(mine, secret)).status, 200);
  await until(async () => (await messages(d)).length >= 2, "both cards in the transcript");
  assert.deepEqual(
    (await messages(d)).map((m) => m.text),
    ["[contact: Mum 15550100]", "[phone] +351912345678"],
  );
  const card = (await call("GET", "/api/v1/lines/tg/clients/tg-61", anna)).body;
  assert.deepEqual(card.contacts, { name: "Ivan", email: null, phone: "+351912345678" }, "their own number only");
  assert.deepEqual(card.similar.map((x) => [x.client, x.by]), [[v.client, "phone"]], "the widget visitor with the same number");
  // Merged from the visitor's card, the Telegram client stays (its chat
  // keeps writing as tg-61).
  const merged = await call("POST", `/api/v1/lines/tg/clients/${v.client}/merge`, anna, { with: "tg-61" });
  assert.equal(merged.status, 200, JSON.stringify(merged.body));
  assert.deepEqual(merged.body, { client: "tg-61", merged: v.client });
  const joined = (await call("GET", "/api/v1/lines/tg/clients/tg-61", anna)).body;
  assert.equal(joined.dialogs.length, 2, "the Telegram chat and the widget's, on one card");

  // Known now: the next /start greets without asking.
  const before = tg.calls.length;
  assert.equal((await post(textUpdate(73, 61, "/start", { first_name: "Ivan" }), secret)).status, 200);
  const again = await until(
    () => tg.calls.slice(before).find((c) => c.method === "sendMessage" && c.body.chat_id === 61),
    "the second greeting",
  );
  assert.equal(again.body.reply_markup?.keyboard, undefined, "no phone asked of a client whose phone is known");

  // Another Telegram user with the same number is not proposed: two chats
  // are two identities, which never merge.
  const twin = textUpdate(74, 64, undefined, { first_name: "Ivan" });
  delete twin.message.text;
  twin.message.contact = { phone_number: "+351912345678", first_name: "Ivan", user_id: 64 };
  assert.equal((await post(twin, secret)).status, 200);
  await until(async () => (await call("GET", "/api/v1/lines/tg/clients/tg-64", anna)).body.contacts?.phone, "the twin's phone");
  assert.deepEqual((await call("GET", "/api/v1/lines/tg/clients/tg-64", anna)).body.similar, []);

  // A1: a line that asks consent neither asks for the phone nor keeps one.
  const saved = (await call("GET", "/api/v1/lines/tg/settings", admin)).body;
  const consent = { version: 1, text: "I agree to the processing of my personal data." };
  assert.equal((await call("PUT", "/api/v1/lines/tg/settings", admin, { ...saved, consent })).status, 200);
  try {
    const before2 = tg.calls.length;
    assert.equal((await post(textUpdate(75, 65, "/start", { first_name: "Rui" }), secret)).status, 200);
    const greeted = await until(
      () => tg.calls.slice(before2).find((c) => c.method === "sendMessage" && c.body.chat_id === 65),
      "Rui's greeting",
    );
    assert.equal(greeted.body.reply_markup?.keyboard, undefined, "no phone asked without the consent's checkbox");
    const shared = textUpdate(76, 65, undefined, { first_name: "Rui" });
    delete shared.message.text;
    shared.message.contact = { phone_number: "351900000001", first_name: "Rui", user_id: 65 };
    assert.equal((await post(shared, secret)).status, 200);
    await until(async () => await dialogOf("tg-65"), "Rui's dialog");
    const rui = (await dialogOf("tg-65")).id;
    await until(async () => (await messages(rui)).some((m) => m.text === "[phone] +351900000001"), "the shared card as words");
    assert.equal((await call("GET", "/api/v1/lines/tg/clients/tg-65", anna)).body.contacts.phone, null, "no phone kept without consent");
  } finally {
    assert.equal((await call("PUT", "/api/v1/lines/tg/settings", admin, saved)).status, 200);
  }
});

test("R1 through Telegram: closing asks the client to rate with score buttons; a tap rates the dialog and is no message", async () => {
  const secret = tg.webhook.secret_token;
  assert.equal((await post(textUpdate(80, 62, "Is the shop open on Sunday?", { first_name: "Pavel" }), secret)).status, 200);
  await until(async () => await dialogOf("tg-62"), "Pavel's dialog");
  const d = (await dialogOf("tg-62")).id;
  assert.equal((await call("POST", `/api/v1/lines/tg/dialogs/${d}/accept`, anna)).status, 200);
  assert.equal((await operatorSays(edge.base, anna, "tg", d, "Yes, from ten to four.")).status, 201);
  assert.equal((await call("POST", `/api/v1/lines/tg/dialogs/${d}/close`, anna)).status, 200);
  const asked = await until(
    () => tg.calls.find((c) => c.method === "sendMessage" && c.body.chat_id === 62 && c.body.text === "How would you rate this conversation?"),
    "the rating request in the chat",
  );
  assert.deepEqual(asked.body.reply_markup.keyboard.map((row) => row[0].text), ["5 ★★★★★", "4 ★★★★", "3 ★★★", "2 ★★", "1 ★"]);
  assert.equal(asked.body.reply_markup.one_time_keyboard, true);

  assert.equal((await post(textUpdate(81, 62, "4 ★★★★", { first_name: "Pavel" }), secret)).status, 200);
  const rated = await until(async () => {
    const row = await dialogOf("tg-62");
    return row?.client_rating && row;
  }, "the rating");
  assert.equal(rated.client_rating.score, 4);
  const words = (await messages(d)).filter((m) => m.author.kind === "visitor").map((m) => m.text);
  assert.deepEqual(words, ["Is the shop open on Sunday?"], "the tap is a rating, not a message");

  // A second tap once the dialog is closed changes nothing and opens no
  // new dialog.
  await until(async () => (await dialogOf("tg-62"))?.status.state === "finished", "closed after the rating");
  assert.equal((await post(textUpdate(82, 62, "1 ★", { first_name: "Pavel" }), secret)).status, 200);
  assert.equal((await post(textUpdate(83, 62, "Thanks!", { first_name: "Pavel" }), secret)).status, 200);
  await until(async () => (await dialogs()).filter((x) => x.client === "tg-62").length === 2, "the thanks opens a new dialog");
  const pavel = (await dialogs()).filter((x) => x.client === "tg-62");
  assert.equal(pavel.find((x) => x.id === d).client_rating.score, 4, "rated once");
  const next = pavel.find((x) => x.id !== d).id;
  assert.deepEqual((await messages(next)).filter((m) => m.author.kind === "visitor").map((m) => m.text), ["Thanks!"], "the late tap is no message");
});

test("N2: disconnecting removes the webhook at Telegram; updates are refused after", async () => {
  const secret = tg.webhook.secret_token;
  assert.equal((await call("DELETE", "/api/v1/lines/tg/channels/telegram", sveta)).status, 403);
  assert.equal((await call("DELETE", "/api/v1/lines/tg/channels/telegram", admin)).status, 200);
  assert.equal(tg.webhook, null);
  assert.equal(tg.calls.at(-1).method, "deleteWebhook");
  assert.equal((await call("DELETE", "/api/v1/lines/tg/channels/telegram", admin)).status, 404);
  assert.equal((await post(textUpdate(20, 42, "Still there?"), secret)).status, 401);
  assert.deepEqual((await call("GET", "/api/v1/lines/tg/channels", admin)).body.channels, []);
});

test("N2 in the console: an administrator connects the line's bot from Integrations", async () => {
  const { launchBrowser } = await import("./harness.mjs");
  const { consolePage } = await import("./client.mjs");
  const browser = await launchBrowser();
  try {
    const p = await consolePage(browser.context, edge.base, "admin");
    await p.getByRole("button", { name: "Administration" }).click();
    await p.getByLabel("Line", { exact: true }).selectOption("tg");
    await p.getByRole("tab", { name: "Integrations" }).click();
    const channels = p.locator("section.channels");
    await channels.getByLabel(/Telegram bot token/).fill("bad");
    await channels.getByRole("button", { name: "Connect Telegram" }).click();
    await channels.getByRole("alert").getByText(/^token/).waitFor();
    await channels.getByLabel(/Telegram bot token/).fill(TOKEN);
    await channels.getByRole("button", { name: "Connect Telegram" }).click();
    await channels.getByText("Telegram @northwind_tea_bot").waitFor();
    assert.equal(tg.webhook.url, `${edge.base}/api/v1/lines/tg/channels/telegram/updates`);
    await channels.getByRole("button", { name: "Check" }).click();
    await channels.getByRole("status").getByText(/^Working: Telegram delivers/).waitFor();
    tg.webhook.url = "https://elsewhere.example/hook";
    await channels.getByRole("button", { name: "Check" }).click();
    await channels.getByRole("status").getByText(/sends this bot's messages somewhere else/).waitFor();
    // The dialogs list marks the chats that came through Telegram.
    const olga = (await dialogOf("tg-42")).id;
    const site = (await dialogs()).find((d) => !d.client.startsWith("tg-")).id;
    await p.getByRole("button", { name: "Dialogs", exact: true }).click();
    await p.getByRole("tab", { name: /^All/ }).click();
    await p.locator(`tr[data-dialog="${olga}"] .channel-tag`, { hasText: "Telegram" }).waitFor();
    assert.equal(await p.locator(`tr[data-dialog="${site}"] .channel-tag`).count(), 0);
    // The chat says what Telegram does not carry; a site chat says nothing.
    await p.locator(`tr[data-dialog="${olga}"]`).getByRole("button", { name: /^Open dialog/ }).click();
    await p.locator(".chat-header .channel-note", { hasText: "Telegram chat: the client does not see when you type or read" }).waitFor();
    await p.locator(`tr[data-dialog="${site}"]`).getByRole("button", { name: /^Open dialog/ }).click();
    await p.locator(".chat-header h2").waitFor();
    await p.locator(".chat-header .channel-note").waitFor({ state: "detached" });
    await p.getByRole("button", { name: "Administration" }).click();
    await p.getByRole("tab", { name: "Integrations" }).click();
    await channels.getByRole("button", { name: "Disconnect" }).click();
    await channels.getByRole("button", { name: "Connect Telegram" }).waitFor();
    assert.equal(tg.webhook, null);
  } finally {
    await browser.close();
  }
});
