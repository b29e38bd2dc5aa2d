// A tiny FAQ chat bot for openline (B1–B3), in plain Node.js (18+), no
// dependencies. Register it (Administration → Integrations → Chat bots, or
// `POST /api/v1/bots {"name", "url"}`), keep the token it is given, and
// name its id in a line's settings (`bot.bot`). Run:
//
//   OPENLINE_URL=https://chat.example.com BOT_TOKEN=bot_….… PORT=8080 node examples/faq-bot/bot.mjs
//
// openline POSTs it signed events — `dialog.opened` when the line hands it
// a new conversation, `message.created` for each client message while it
// holds one — and it answers through the bot API with its token: a message,
// the hand-over to operators ("operator"), or the close ("bye").
import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";

/** The answers it knows, by a word in the client's question. */
export const FAQ = [
  [/deliver|shipping|ship/i, "Delivery takes 2–4 working days; it is free from €30."],
  [/pay|card|invoice/i, "We take cards, PayPal and bank transfer; an invoice comes with every order."],
  [/return|refund/i, "You can return unopened tea within 30 days for a full refund."],
];
export const GREETING = "Hi! I'm the FAQ bot. Ask me about delivery, payment or returns, or write \"operator\" to talk to a person.";
const UNKNOWN = "I don't know that one. Write \"operator\" and a colleague will answer.";
/** Offered with the greeting as buttons (quick replies); a pick is the client's message. */
export const TOPICS = ["Delivery", "Payment", "Returns", "Talk to a person"];

/** Whether `header` (`t=…,v1=…`) signs `body` with `key` and is fresh (docs/webhooks.md). */
export function verify(header, key, body, toleranceS = 300) {
  const parts = Object.fromEntries(String(header ?? "").split(",").map((p) => p.trim().split("=")));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceS) return false;
  const expected = createHmac("sha256", key).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What the bot does with one client message: an answer, or an action. */
export function reply(text) {
  if (/operator|human|person/i.test(text)) return { action: "handoff", text: "Passing you to a colleague — one moment." };
  if (/^\s*(bye|goodbye|thanks,? bye)\b/i.test(text)) return { action: "close", text: "Goodbye, and enjoy your tea!" };
  const known = FAQ.find(([words]) => words.test(text));
  // Not understood: the topics again, as buttons.
  return known ? { text: known[1] } : { text: UNKNOWN, quick_replies: TOPICS };
}

/**
 * Starts the bot; resolves to { url, stats, setToken, close }. The token may
 * come later (`setToken`): registering the bot needs its address first.
 */
export async function startFaqBot({ base, token, port = 0, host = "127.0.0.1" }) {
  const stats = { events: 0, refused: 0, errors: [] };
  const pending = new Map();
  const setToken = (t) => {
    token = t;
  };
  const call = async (line, dialog, what, body) => {
    const r = await fetch(`${base}/api/v1/lines/${encodeURIComponent(line)}/dialogs/${dialog}/bot/${what}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    if (!r.ok) stats.errors.push(`${what} ${r.status} ${await r.text()}`);
  };
  const act = async (event) => {
    const { line, data } = event;
    if (event.type === "dialog.opened") {
      await call(line, data.dialog, "messages", { client_id: `faq-${event.id}`, text: GREETING, quick_replies: TOPICS });
    } else if (event.type === "message.created" && data.message?.author?.kind === "visitor") {
      const r = reply(data.message.text);
      await call(line, data.dialog, "messages", { client_id: `faq-${event.id}`, text: r.text, quick_replies: r.quick_replies });
      if (r.action) await call(line, data.dialog, r.action);
    }
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (!token || !verify(req.headers["openline-signature"], token, body)) {
        stats.refused += 1;
        res.writeHead(401).end();
        return;
      }
      stats.events += 1;
      res.writeHead(200).end("ok");
      // Answer after acknowledging: openline retries an event until it is
      // accepted, and the bot's own calls may take a moment.
      // One dialog's events are answered one after another, in order.
      const event = JSON.parse(body);
      const key = event.data?.dialog ?? "";
      const done = (pending.get(key) ?? Promise.resolve())
        .then(() => act(event))
        .catch((e) => stats.errors.push(String(e)));
      pending.set(key, done);
      done.then(() => pending.get(key) === done && pending.delete(key));
    });
  });
  await new Promise((r) => server.listen(port, host, r));
  return { url: `http://${host}:${server.address().port}/events`, stats, setToken, close: () =>
    new Promise((r) => {
      server.close(r);
      // Idle keep-alive connections would hold the close for minutes.
      server.closeAllConnections();
    }) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { OPENLINE_URL, BOT_TOKEN, PORT } = process.env;
  if (!OPENLINE_URL || !BOT_TOKEN) {
    console.error("set OPENLINE_URL and BOT_TOKEN (and PORT)");
    process.exit(1);
  }
  const bot = await startFaqBot({ base: OPENLINE_URL, token: BOT_TOKEN, port: Number(PORT ?? 8080), host: "0.0.0.0" });
  console.log(`FAQ bot listening for openline's events at ${bot.url}`);
}
