// A local fake of Telegram's Bot API (https://core.telegram.org/bots/api)
// for the tests (issue 13, N2): only the methods openline calls — getMe,
// setWebhook, deleteWebhook, getWebhookInfo, sendMessage, and for files
// getFile, the file download, sendPhoto and sendDocument (multipart) — answering as the documentation
// says (`{"ok": true, "result": …}`, or `{"ok": false, "error_code",
// "description", "parameters"?}` with the same HTTP status), recording every
// call. It can refuse a send with 429 and `retry_after`, and treats chat
// 666 as one whose user blocked the bot (403). Never reaches the internet.
import { createServer } from "node:http";

export const TOKEN = "123456789:TEST-token_0123456789abcdefghijklmn";
export const BOT = { id: 123456789, is_bot: true, first_name: "Northwind Tea", username: "northwind_tea_bot" };

export async function startTelegram() {
  const state = {
    /** Every call: { token, method, body }. */
    calls: [],
    /** The webhook as set: { url, secret_token, … } or null. */
    webhook: null,
    /** What getWebhookInfo reports besides the URL: updates waiting, and
     * the last delivery error ({ date, message }) or null. */
    pending: 0,
    lastError: null,
    /** The token was revoked in BotFather: every call is 401. */
    revoked: false,
    /** Refuse this many sendMessage calls with 429 first. */
    tooMany: 0,
    retryAfter: 1,
    /** Files a client sent, by file_id: { path, bytes } (getFile, download). */
    files: {},
  };
  let messageId = 100;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks);
      const answer = (status, body) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      // https://core.telegram.org/bots/api#getfile: the file itself.
      const download = req.url.match(/^\/file\/bot([^/]+)\/(.+)$/);
      if (download) {
        const file = Object.values(state.files).find((f) => f.path === download[2]);
        if (download[1] !== TOKEN || !file) return answer(404, { ok: false, error_code: 404, description: "Not Found" });
        return res.writeHead(200, { "Content-Type": "application/octet-stream" }).end(file.bytes);
      }
      const m = req.url.match(/^\/bot([^/]+)\/(\w+)$/);
      if (!m) return answer(404, { ok: false, error_code: 404, description: "Not Found" });
      const [, token, method] = m;
      let body = {};
      const type = req.headers["content-type"] ?? "";
      if (type.startsWith("multipart/form-data")) {
        // A file sent (sendPhoto, sendDocument): read as a browser would.
        const form = await new Request("http://fake/", { method: "POST", headers: { "content-type": type }, body: raw }).formData();
        for (const [k, v] of form.entries()) {
          body[k] = typeof v === "string" ? v : { name: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) };
        }
        if (body.chat_id !== undefined) body.chat_id = Number(body.chat_id);
      } else {
        try {
          body = raw.length ? JSON.parse(raw.toString("utf8")) : {};
        } catch {
          return answer(400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON" });
        }
      }
      state.calls.push({ token, method, body });
      if (token !== TOKEN || state.revoked) return answer(401, { ok: false, error_code: 401, description: "Unauthorized" });
      switch (method) {
        case "getMe":
          return answer(200, { ok: true, result: BOT });
        case "setWebhook":
          if (!/^https?:\/\//.test(body.url ?? "")) return answer(400, { ok: false, error_code: 400, description: "Bad Request: bad webhook: invalid url" });
          if (body.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(body.secret_token)) {
            return answer(400, { ok: false, error_code: 400, description: "Bad Request: secret token contains unallowed characters" });
          }
          state.webhook = body;
          return answer(200, { ok: true, result: true, description: "Webhook was set" });
        case "getWebhookInfo": {
          // https://core.telegram.org/bots/api#webhookinfo
          const info = { url: state.webhook?.url ?? "", has_custom_certificate: false, pending_update_count: state.pending };
          if (state.webhook) info.max_connections = state.webhook.max_connections ?? 40;
          if (state.webhook?.allowed_updates) info.allowed_updates = state.webhook.allowed_updates;
          if (state.lastError) Object.assign(info, { last_error_date: state.lastError.date, last_error_message: state.lastError.message });
          return answer(200, { ok: true, result: info });
        }
        case "deleteWebhook":
          state.webhook = null;
          return answer(200, { ok: true, result: true, description: "Webhook was deleted" });
        case "sendMessage": {
          if (!body.text) return answer(400, { ok: false, error_code: 400, description: "Bad Request: message text is empty" });
          if (body.chat_id === 666) return answer(403, { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
          if (state.tooMany > 0) {
            state.tooMany -= 1;
            return answer(429, {
              ok: false,
              error_code: 429,
              description: `Too Many Requests: retry after ${state.retryAfter}`,
              parameters: { retry_after: state.retryAfter },
            });
          }
          messageId += 1;
          return answer(200, {
            ok: true,
            result: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: body.chat_id, type: "private" }, from: BOT, text: body.text },
          });
        }
        case "getFile": {
          const file = state.files[body.file_id];
          if (!file) return answer(400, { ok: false, error_code: 400, description: "Bad Request: invalid file_id" });
          return answer(200, { ok: true, result: { file_id: body.file_id, file_unique_id: `u-${body.file_id}`, file_size: file.bytes.length, file_path: file.path } });
        }
        case "sendPhoto":
        case "sendDocument": {
          const field = method === "sendPhoto" ? "photo" : "document";
          if (typeof body[field] !== "object") return answer(400, { ok: false, error_code: 400, description: `Bad Request: there is no ${field} in the request` });
          messageId += 1;
          return answer(200, { ok: true, result: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: body.chat_id, type: "private" }, from: BOT } });
        }
        default:
          return answer(404, { ok: false, error_code: 404, description: "Not Found: method not found" });
      }
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  state.base = `http://127.0.0.1:${server.address().port}`;
  state.close = () => new Promise((r) => server.close(r));
  /** The texts sent to `chat`, in order (successful sends only once each). */
  state.sent = (chat) => state.calls.filter((c) => c.method === "sendMessage" && c.body.chat_id === chat).map((c) => c.body.text);
  return state;
}

/** A private-chat text update as Telegram sends it. */
export function textUpdate(updateId, chatId, text, from = { first_name: "Olga", last_name: "Petrova", username: "olgap" }) {
  return {
    update_id: updateId,
    message: {
      message_id: updateId * 10,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private", first_name: from.first_name },
      from: { id: chatId, is_bot: false, ...from },
      text,
    },
  };
}
