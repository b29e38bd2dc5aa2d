// Issue 15, O1: an operator's own profile — the name and position clients
// see, the address for notices — and an avatar: uploaded from the console
// (cut square and shrunk to 256 × 256 in the browser), checked by content
// at the edge, stored in R2 (local under wrangler dev) under a
// content-addressed name served with a year's cache, and shown in the
// widget's header on a site of another origin.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { DEMO, api, login, operatorSocket, until } from "./client.mjs";

let edge, anna, boris, browser;
before(async () => {
  edge = await startEdge();
  [anna, boris] = await Promise.all(["anna", "boris"].map((w) => login(edge.base, w)));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await edge?.stop();
});

function crc32(bytes) {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A real, decodable RGB PNG of one colour. */
function png(width, height, [r, g, b] = [30, 120, 200]) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Sends `bytes` as the caller's avatar. */
async function upload(who, bytes, type = "image/png") {
  const r = await fetch(`${edge.base}/api/v1/me/avatar`, {
    method: "PUT",
    headers: who ? { Authorization: `Bearer ${who.token}`, "Content-Type": type } : { "Content-Type": type },
    body: bytes,
  });
  return { status: r.status, body: await r.json() };
}

test("the profile: name, position and notice address changed by their owner, checked like an administrator's change", async () => {
  const me = (body) => api(edge.base, "PATCH", "/api/v1/me", { token: boris.token, body });
  const changed = await me({ name: "Boris Ivanov", position: "Tea sommelier", email: "boris@northwind.example" });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal(changed.body.name, "Boris Ivanov");
  assert.equal(changed.body.position, "Tea sommelier");
  assert.equal(changed.body.email, "boris@northwind.example");
  assert.equal(changed.body.role, "operator");
  assert.equal((await api(edge.base, "GET", "/api/v1/me", { token: boris.token })).body.position, "Tea sommelier");
  // Nothing to change is said, not answered as a change.
  const nothing = await me({});
  assert.equal(nothing.status, 400);
  // Bad values are refused by field; what was stored stays.
  assert.equal((await me({ email: "boris at northwind" })).body.error.code, "invalid_field");
  assert.equal((await me({ name: "  " })).body.error.code, "invalid_field");
  // A role is not part of a profile: the field is ignored, not applied.
  const sneaky = await me({ name: "Boris", role: "admin" });
  assert.equal(sneaky.status, 200);
  assert.equal(sneaky.body.role, "operator");
  assert.equal((await api(edge.base, "PATCH", "/api/v1/me", { body: { name: "x" } })).status, 401);
});

test("an avatar: only pictures by content, within limits; stored content-addressed, cached a year; removed with its file", async () => {
  // Refused: no session, not a picture (whatever it claims), an SVG, too big.
  assert.equal((await upload(null, png(10, 10))).status, 401);
  const pdf = await upload(anna, Buffer.from("%PDF-1.7\n1 0 obj\n"), "image/png");
  assert.equal(pdf.status, 400);
  assert.equal(pdf.body.error.code, "invalid_field");
  assert.match(pdf.body.error.message, /PNG, JPEG, GIF or WebP/);
  const svg = await upload(anna, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), "image/svg+xml");
  assert.equal(svg.status, 400);
  assert.equal((await upload(anna, png(2000, 10))).status, 400, "too many pixels");
  const huge = await upload(anna, Buffer.concat([png(10, 10), Buffer.alloc(600 * 1024)]));
  assert.equal(huge.status, 413);
  assert.equal((await api(edge.base, "GET", "/api/v1/me", { token: anna.token })).body.avatar, null, "nothing stored");

  // Accepted: the address names the content.
  const picture = png(64, 64);
  const ok = await upload(anna, picture);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.match(ok.body.avatar, new RegExp(`^/api/v1/files/avatars/${ok.body.id}/[0-9a-f]{32}\\.png$`));
  const served = await fetch(edge.base + ok.body.avatar);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get("content-type"), "image/png");
  assert.equal(served.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(served.headers.get("x-content-type-options"), "nosniff");
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), picture);
  assert.equal((await fetch(`${edge.base}/api/v1/files/avatars/${ok.body.id}/0000.png`)).status, 404);
  assert.equal((await fetch(`${edge.base}/api/v1/files/avatars/${ok.body.id}/x.svg`)).status, 404);

  // A new picture replaces the old one, whose file goes.
  const second = await upload(anna, png(32, 32, [200, 40, 40]));
  assert.notEqual(second.body.avatar, ok.body.avatar);
  assert.equal((await fetch(edge.base + ok.body.avatar)).status, 404);
  // Removing it brings the initials back; removing nothing is not a change.
  const removed = await api(edge.base, "DELETE", "/api/v1/me/avatar", { token: anna.token });
  assert.equal(removed.status, 200);
  assert.equal(removed.body.avatar, null);
  assert.equal((await fetch(edge.base + second.body.avatar)).status, 404);
  const again = await api(edge.base, "DELETE", "/api/v1/me/avatar", { token: anna.token });
  assert.equal(again.status, 404);
});

test("uploaded in the console, shrunk to 256 × 256, and shown in the widget's header on a site of another origin", async () => {
  // Anna's profile page: a 600 × 300 picture becomes a 256 × 256 square.
  const page = await browser.context.newPage();
  await page.goto(`${edge.base}/console/`);
  await page.getByLabel("Login").fill(DEMO.anna[0]);
  await page.getByLabel("Password").fill(DEMO.anna[1]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTitle("My profile").click();
  const profile = page.getByRole("region", { name: "My profile" });
  await profile.getByLabel("Upload a picture").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png(600, 300) });
  const img = profile.getByRole("img", { name: "Your avatar" });
  await img.waitFor();
  const src = await img.getAttribute("src");
  const stored = Buffer.from(await (await fetch(edge.base + src)).arrayBuffer());
  assert.equal(stored.readUInt32BE(16), 256, "width");
  assert.equal(stored.readUInt32BE(20), 256, "height");
  await profile.getByLabel("Position").fill("Tea expert");
  await profile.getByRole("button", { name: "Save" }).click();
  await profile.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  await screenshot(page, "console-profile");
  await page.close();

  // A shop on another origin embeds the widget; Anna answers; her picture
  // loads from the edge (not from the shop's server).
  const shop = await browser.context.newPage();
  await shop.route("http://shop.example/**", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Teas</h1>
        <script src="${edge.base}/widget.js" data-line="demo" async></script></body></html>`,
    }),
  );
  await shop.goto("http://shop.example/");
  await shop.getByRole("button", { name: "Open chat" }).click();
  const panel = shop.getByRole("dialog");
  await panel.getByLabel("Message").fill("Which green tea is mildest?");
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  await panel.locator('li[data-delivery="sent"]').waitFor();
  const session = await shop.evaluate(() => JSON.parse(localStorage.getItem("openline:demo:session")));
  const socket = await operatorSocket(edge.base, "demo", anna);
  await api(edge.base, "POST", `/api/v1/lines/demo/dialogs/${session.dialog}/accept`, { token: anna.token });
  await api(edge.base, "POST", `/api/v1/lines/demo/dialogs/${session.dialog}/messages`, { token: anna.token, body: { client_id: "p-1", text: "Try the sencha." } });
  const avatar = panel.locator(".ol-operator img.ol-avatar");
  await avatar.waitFor();
  assert.equal(await avatar.getAttribute("src"), edge.base + src);
  await until(() => avatar.evaluate((i) => i.complete && i.naturalWidth === 256), "the avatar loaded");
  await panel.locator(".ol-operator-position", { hasText: "Tea expert" }).waitFor();
  await screenshot(shop, "widget-operator-avatar");
  // A visitor who comes back later sees who answers at once.
  await shop.reload();
  await shop.getByRole("button", { name: "Open chat" }).click();
  await shop.getByRole("dialog").locator(".ol-operator img.ol-avatar").waitFor();
  socket.close();
  await shop.close();
});
