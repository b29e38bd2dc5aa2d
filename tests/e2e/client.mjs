// Small API clients for the end-to-end tests: console users, visitors and
// their WebSockets, all speaking to a real `wrangler dev`.
import WebSocket from "ws";

export const DEMO = {
  admin: ["admin", "openline-admin"],
  sveta: ["sveta", "openline-sveta"],
  anna: ["anna", "openline-anna"],
  boris: ["boris", "openline-boris"],
};

export async function api(base, method, path, { token, body, headers = {} } = {}) {
  const r = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !(body instanceof Uint8Array) ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    // Bytes (a picture) go as they are, typed by the caller's headers.
    body: body === undefined ? undefined : typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, body: json };
}

export async function login(base, who) {
  const [loginName, password] = DEMO[who];
  const r = await api(base, "POST", "/api/v1/auth/login", { body: { login: loginName, password } });
  if (r.status !== 200) throw new Error(`login ${who}: ${r.status} ${JSON.stringify(r.body)}`);
  return { token: r.body.token, id: r.body.account.id, name: r.body.account.name };
}

/** A WebSocket that records every JSON frame and can wait for one. */
export async function socket(url) {
  const ws = new WebSocket(url);
  const frames = [];
  const waiters = [];
  ws.on("message", (data) => {
    const frame = JSON.parse(String(data));
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.pred(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return {
    ws,
    frames,
    send: (f) => ws.send(JSON.stringify(f)),
    next(pred, ms = 10_000) {
      const found = frames.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(new Error(`no matching frame in ${ms} ms; got ${JSON.stringify(frames)}`));
          }
        }, ms);
      });
    },
    close: () => ws.close(),
  };
}

export function wsUrl(base, path) {
  return base.replace(/^http/, "ws") + path;
}

export async function operatorSocket(base, line, op) {
  const s = await socket(wsUrl(base, `/api/v1/lines/${line}/ws?token=${op.token}`));
  await s.next((f) => f.type === "welcome");
  return s;
}

export async function visitor(base, line, extra = {}) {
  const r = await api(base, "POST", "/api/v1/visitor/sessions", { body: { line, ...extra } });
  if (r.status !== 201 && r.status !== 200) throw new Error(`session: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function visitorSays(base, session, text, clientId = `m${Math.random().toString(36).slice(2)}`) {
  return api(base, "POST", "/api/v1/visitor/messages", {
    token: session.token,
    body: { client_id: clientId, text },
  });
}

/** An operator writes in a dialog over HTTP (`hidden`: a note for colleagues, Q11). */
export async function operatorSays(base, op, line, dialog, text, hidden = false) {
  return api(base, "POST", `/api/v1/lines/${line}/dialogs/${dialog}/messages`, {
    token: op.token,
    body: { client_id: `o${Math.random().toString(36).slice(2)}`, text, hidden },
  });
}

/** Creates a line with the demo operators in its queue and the given settings. */
export async function makeLine(base, admin, id, patch = {}) {
  const created = await api(base, "POST", "/api/v1/lines", { token: admin.token, body: { id, name: `Line ${id}` } });
  if (created.status !== 201) throw new Error(`create line: ${created.status} ${JSON.stringify(created.body)}`);
  const accounts = (await api(base, "GET", "/api/v1/accounts", { token: admin.token })).body;
  const byLogin = Object.fromEntries(accounts.map((a) => [a.login, a.id]));
  const settings = created.body;
  settings.queue = (patch.queueLogins ?? ["anna", "boris"]).map((l) => ({ kind: "operator", id: byLogin[l] }));
  delete patch.queueLogins;
  Object.assign(settings, patch);
  const saved = await api(base, "PUT", `/api/v1/lines/${id}/settings`, { token: admin.token, body: settings });
  if (saved.status !== 200) throw new Error(`save settings: ${saved.status} ${JSON.stringify(saved.body)}`);
  return saved.body;
}

/** Polls `fn` until it returns something truthy (for effects of timers and alarms). */
export async function until(fn, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A page of the demo shop for a brand-new visitor. The browser's storage is
 * cleared on a page without the widget first, so a background resume of an
 * earlier conversation cannot write its session back after the clearing.
 */
export async function newVisitorPage(context, base) {
  const page = await context.newPage();
  await freshStorage(page, base);
  await page.goto(`${base}/`);
  return page;
}

/** Clears the site's storage from a page that does not load the widget. */
export async function freshStorage(page, base) {
  await page.goto(`${base}/dev-mailbox.html`);
  await page.evaluate(() => localStorage.clear());
}

/** A brand-new visitor on a shop page whose snippet serves `line`. */
export async function shopPage(context, base, line) {
  const page = await context.newPage();
  await freshStorage(page, base);
  await page.route(`${base}/shop-${line}.html`, (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><html lang="en"><head><title>Northwind Tea</title></head>
        <body><main><h1>Teas</h1></main><script src="/widget.js" data-line="${line}" async></script></body></html>`,
    }),
  );
  await page.goto(`${base}/shop-${line}.html`);
  return page;
}

/** A new page of `context` with the console signed in as a demo account `who`. */
export async function consolePage(context, base, who) {
  const page = await context.newPage();
  await page.goto(`${base}/console/`);
  // Whoever this browser signed in before signs out first.
  const signIn = page.getByRole("button", { name: "Sign in" });
  const signOut = page.getByRole("button", { name: "Sign out" });
  await Promise.race([signIn.waitFor(), signOut.waitFor()]);
  if (await signOut.isVisible()) await signOut.click();
  const [name, password] = DEMO[who];
  await page.getByLabel("Login").fill(name);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  return page;
}
