// Issue 11.3: files in a conversation. Visitors and operators send
// pictures and PDFs (judged by content, within the line's size and kinds),
// kept in R2 (local under wrangler dev) and served only through short-lived
// links signed for the dialog's participants; the widget previews pictures
// and says in words why a file was refused; erasing the client erases their
// files.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, consolePage, login, makeLine, operatorSays, shopPage, until, visitor, visitorSays } from "./client.mjs";

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

/** A real 1 × 1 PNG (browsers draw it). */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

/** Sends `bytes` as a file: the visitor's route, or an operator's. */
function upload(path, token, bytes, type = "application/octet-stream") {
  return api(edge.base, "POST", path, { token, body: new Uint8Array(bytes), headers: { "Content-Type": type } });
}
const visitorUpload = (v, name, bytes, id = `f${Math.random().toString(36).slice(2)}`) =>
  upload(`/api/v1/visitor/attachments?client_id=${id}&name=${encodeURIComponent(name)}`, v.token, bytes, "image/png");

async function fetchBytes(url) {
  const r = await fetch(url);
  return { status: r.status, type: r.headers.get("content-type"), headers: r.headers, bytes: Buffer.from(await r.arrayBuffer()) };
}

test("through the API: sent by content within the line's rules, linked only for participants, links signed and expiring, erased with the client", async () => {
  await makeLine(edge.base, admin, "files", { queueLogins: ["anna"], mode: "all_at_once", rating_wait_ms: 0 });
  const olga = await visitor(edge.base, "files");
  assert.equal((await visitorSays(edge.base, olga, "Here is the broken cup")).status, 201);

  const sent = await visitorUpload(olga, "C:\\Photos\\cup.PNG", PNG, "cup-1");
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const a = sent.body.attachment;
  assert.deepEqual([a.name, a.kind, a.size, sent.body.text], ["cup.png", "png", PNG.length, "cup.png"]);
  assert.ok(a.id.startsWith(`${olga.dialog}/`), a.id);
  const again = await visitorUpload(olga, "cup.png", PNG, "cup-1");
  assert.equal(again.status, 200, "a resend is stored once");
  assert.equal(again.body.attachment.id, a.id);

  // A file is judged by its content, not its name.
  const disguised = await visitorUpload(olga, "evil.png", Buffer.from("<svg onload=alert(1)></svg>"));
  assert.equal(disguised.status, 415);
  assert.equal(disguised.body.error.code, "unsupported_media_type");
  const empty = await visitorUpload(olga, "empty.png", Buffer.alloc(0));
  assert.equal(empty.status, 400);

  // The visitor's link serves the very bytes, typed by content, never sniffed.
  const link = await api(edge.base, "GET", `/api/v1/visitor/attachments/${a.id}`, { token: olga.token });
  assert.equal(link.status, 200, JSON.stringify(link.body));
  assert.ok(link.body.expires_at > Date.now() + 10 * 60_000, "a quarter of an hour");
  const got = await fetchBytes(link.body.url);
  assert.equal(got.status, 200);
  assert.equal(got.type, "image/png");
  assert.ok(got.bytes.equals(PNG));
  assert.equal(got.headers.get("x-content-type-options"), "nosniff");
  assert.match(got.headers.get("content-disposition"), /filename="cup\.png"/);

  // Nobody else gets a link: another visitor, an operator off the line.
  const ivan = await visitor(edge.base, "files");
  assert.equal((await visitorSays(edge.base, ivan, "Hello")).status, 201);
  assert.equal((await api(edge.base, "GET", `/api/v1/visitor/attachments/${a.id}`, { token: ivan.token })).status, 404);
  assert.equal((await api(edge.base, "GET", `/api/v1/visitor/attachments/${a.id}`)).status, 401);
  const opLink = `/api/v1/lines/files/dialogs/${olga.dialog}/attachments/${a.id.split("/")[1]}`;
  assert.equal((await api(edge.base, "GET", opLink, { token: boris.token })).status, 403, "Boris does not work on this line");
  const elsewhere = await api(edge.base, "GET", `/api/v1/lines/files/dialogs/${ivan.dialog}/attachments/${a.id.split("/")[1]}`, { token: anna.token });
  assert.ok([403, 404].includes(elsewhere.status) && !elsewhere.body.url, `not a file of that dialog: ${elsewhere.status}`);

  // A link changed in any part serves nothing.
  const u = new URL(link.body.url);
  const sig = u.searchParams.get("sig");
  const tampered = [
    link.body.url.replace(`sig=${sig}`, `sig=${sig.slice(0, -1)}${sig.endsWith("0") ? "1" : "0"}`),
    link.body.url.replace(/exp=\d+/, `exp=${Number(u.searchParams.get("exp")) + 86_400_000}`),
    link.body.url.replace(/exp=\d+/, "exp=1000"),
    link.body.url.replace(a.id.split("/")[1], "0123456789abcdef0123456789abcdef.png"),
    `${edge.base}${u.pathname}`,
  ];
  for (const t of tampered) {
    const r = await fetchBytes(t);
    assert.ok(r.status === 403 || r.status === 404, `${t}: ${r.status}`);
    assert.ok(!r.bytes.equals(PNG));
  }

  // The operator who holds the dialog sends a PDF and gets links too.
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/files/dialogs/${olga.dialog}/accept`, { token: anna.token })).status, 200);
  const pdf = await upload(`/api/v1/lines/files/dialogs/${olga.dialog}/attachments?client_id=inv-1&name=Invoice%20%E2%84%96%207.pdf`, anna.token, PDF, "application/pdf");
  assert.equal(pdf.status, 201, JSON.stringify(pdf.body));
  assert.deepEqual([pdf.body.attachment.name, pdf.body.attachment.kind], ["Invoice № 7.pdf", "pdf"]);
  assert.equal((await upload(`/api/v1/lines/files/dialogs/${olga.dialog}/attachments?client_id=inv-2&name=x.pdf`, boris.token, PDF)).status, 403);
  const history = (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: olga.token })).body.messages;
  assert.deepEqual(history.filter((m) => m.attachment).map((m) => m.attachment.name), ["cup.png", "Invoice № 7.pdf"]);
  const annaLink = await api(edge.base, "GET", opLink, { token: anna.token });
  assert.equal(annaLink.status, 200);
  assert.ok((await fetchBytes(annaLink.body.url)).bytes.equals(PNG));
  const pdfGot = await fetchBytes((await api(edge.base, "GET", `/api/v1/visitor/attachments/${pdf.body.attachment.id}`, { token: olga.token })).body.url);
  assert.equal(pdfGot.type, "application/pdf");
  assert.match(pdfGot.headers.get("content-disposition"), /filename\*=UTF-8''Invoice%20%E2%84%96%207\.pdf/);

  // The e-mail copy (F3) names each file with its size; the company's
  // files are linked for a week (the HTML part too), the visitor's own
  // never (the copy goes to any address they give) (issue 11.11).
  assert.equal((await api(edge.base, "POST", "/api/v1/visitor/email-copy", { token: olga.token, body: { email: "olga.files@example.com" } })).status, 202);
  const copy = await until(async () => (await api(edge.base, "GET", "/api/v1/dev/mailbox")).body.mail.find((m) => m.to_addr === "olga.files@example.com"), "the copy");
  assert.match(copy.body, new RegExp(`You: \\[cup\\.png, ${PNG.length} B\\]\\n`), "the visitor's file: named, not linked");
  const mailed = copy.body.match(new RegExp(`\\[Invoice № 7\\.pdf, ${PDF.length} B\\] (\\S+)`));
  assert.ok(mailed, copy.body);
  assert.ok(Number(new URL(mailed[1]).searchParams.get("exp")) > Date.now() + 6 * 86_400_000, "a week");
  assert.ok((await fetchBytes(mailed[1])).bytes.equals(PDF), "the mailed link serves the file");
  assert.match(copy.body, /The links to files work for 7 days\./);
  assert.ok(copy.html.includes(`<a href="${mailed[1].replaceAll("&", "&amp;")}">Invoice № 7.pdf, ${PDF.length} B</a>`), copy.html);

  // The line's rules: bounds checked; a smaller limit and fewer kinds hold.
  const s = (await api(edge.base, "GET", "/api/v1/lines/files/settings", { token: admin.token })).body;
  assert.deepEqual(s.attachments, { enabled: true, max_bytes: 10 * 1024 * 1024, kinds: ["png", "jpeg", "gif", "webp", "pdf"] });
  for (const bad of [{ max_bytes: 0 }, { max_bytes: 26 * 1024 * 1024 }, { kinds: [] }]) {
    const r = await api(edge.base, "PUT", "/api/v1/lines/files/settings", { token: admin.token, body: { ...s, attachments: { ...s.attachments, ...bad } } });
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.match(r.body.error.message, /attachments\./);
  }
  s.attachments = { enabled: true, max_bytes: 1024, kinds: ["png"] };
  assert.equal((await api(edge.base, "PUT", "/api/v1/lines/files/settings", { token: admin.token, body: s })).status, 200);
  assert.equal((await visitorUpload(olga, "doc.pdf", PDF)).status, 415, "PDFs no longer");
  const big = await visitorUpload(olga, "big.png", Buffer.concat([PNG, Buffer.alloc(2000)]));
  assert.equal(big.status, 413);
  assert.match(big.body.error.message, /1 KB/);
  s.attachments.enabled = false;
  assert.equal((await api(edge.base, "PUT", "/api/v1/lines/files/settings", { token: admin.token, body: s })).status, 200);
  assert.equal((await visitorUpload(olga, "cup.png", PNG)).status, 403);

  // GDPR: erasing the client erases their files; old links serve nothing.
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/files/dialogs/${olga.dialog}/close`, { token: anna.token })).status, 200);
  const erased = await api(edge.base, "DELETE", `/api/v1/lines/files/clients/${olga.client}`, { token: admin.token });
  assert.equal(erased.status, 200, JSON.stringify(erased.body));
  assert.equal((await fetchBytes(link.body.url)).status, 404, "the file is gone");
  assert.equal((await fetchBytes(mailed[1])).status, 404, "the mailed link too");
  const exported = (await api(edge.base, "GET", `/api/v1/lines/files/clients/${olga.client}/export`, { token: admin.token })).body;
  assert.ok(exported.dialogs.every((d) => d.messages.every((m) => !m.attachment)), "no file left in the transcript");

  // Asking for links is limited per dialog like messages (60 per 10 s).
  const statuses = [];
  for (let i = 0; i < 300 && !statuses.includes(429); i++) {
    statuses.push((await api(edge.base, "GET", `/api/v1/visitor/attachments/${ivan.dialog}/0123456789abcdef0123456789abcdef.png`, { token: ivan.token })).status);
  }
  assert.ok(statuses.slice(0, 50).every((st) => st === 404), statuses.join());
  assert.ok(statuses.includes(429), statuses.join());
});

test("in the widget: a picture from the picker is previewed, the operator's PDF is a link, a refused file is said in words", async () => {
  await makeLine(edge.base, admin, "wfiles", { queueLogins: ["anna"], mode: "all_at_once" });
  const s = (await api(edge.base, "GET", "/api/v1/lines/wfiles/settings", { token: admin.token })).body;
  s.attachments = { enabled: true, max_bytes: 2048, kinds: ["png", "jpeg", "pdf"] };
  assert.equal((await api(edge.base, "PUT", "/api/v1/lines/wfiles/settings", { token: admin.token, body: s })).status, 200);
  const page = await shopPage(browser.context, edge.base, "wfiles");
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  const picker = panel.locator('input[type="file"]');
  assert.equal(await picker.getAttribute("accept"), "image/png,image/jpeg,application/pdf");
  await panel.getByRole("button", { name: "Attach a file" }).waitFor();

  // The first thing the visitor does is send a picture: it opens the dialog.
  await picker.setInputFiles({ name: "cup.png", mimeType: "image/png", buffer: PNG });
  const preview = panel.locator("li.ol-from-visitor img.ol-image");
  await preview.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector("[data-openline]")?.shadowRoot?.querySelector("li.ol-from-visitor img.ol-image");
    return img && img.complete && img.naturalWidth === 1;
  });
  assert.equal(await preview.getAttribute("alt"), "cup.png");
  await panel.locator('li.ol-from-visitor[data-delivery="sent"]').waitFor();
  const session = await page.evaluate(() => JSON.parse(localStorage.getItem("openline:wfiles:session")));

  // Anna answers with a PDF: a link with its name and size.
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/wfiles/dialogs/${session.dialog}/accept`, { token: anna.token })).status, 200);
  assert.equal((await upload(`/api/v1/lines/wfiles/dialogs/${session.dialog}/attachments?client_id=inv&name=Invoice.pdf`, anna.token, PDF, "application/pdf")).status, 201);
  assert.equal((await operatorSays(edge.base, anna, "wfiles", session.dialog, "Here is your invoice")).status, 201);
  const file = panel.locator("li.ol-from-operator a.ol-file");
  await file.waitFor();
  assert.equal(await file.textContent(), `📄 Invoice.pdf · ${PDF.length} B`);
  await page.waitForFunction(() => document.querySelector("[data-openline]")?.shadowRoot?.querySelector("li.ol-from-operator a.ol-file")?.href.includes("/api/v1/files/attachments/"));
  const href = await file.getAttribute("href");
  const got = await fetchBytes(href);
  assert.ok(got.bytes.equals(PDF), "the link serves the operator's file");
  await screenshot(page, "widget-attachments");

  // Too big: said at once, nothing sent. Not a picture or PDF: said after
  // the edge refused it, in the widget's words.
  await picker.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.concat([PNG, Buffer.alloc(4096)]) });
  await panel.getByRole("alert").getByText("This file is too big: at most 2 KB.").waitFor();
  assert.equal(await panel.locator("li", { hasText: "huge.png" }).count(), 0);
  await picker.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just text, named like a picture") });
  await panel.getByRole("alert").getByText("This kind of file cannot be sent here: pictures and PDF files can.").waitFor();
  await panel.locator('li.ol-from-visitor[data-delivery="failed"]', { hasText: "notes.png" }).waitFor();

  // In Anna's console: the visitor's picture in the chat, and a file sent
  // from the composer's picker reaches the widget.
  const desk = await consolePage(browser.context, edge.base, "anna");
  await desk.getByLabel("Line", { exact: true }).selectOption("wfiles");
  await desk.getByRole("tab", { name: /^Mine/ }).click();
  await desk.locator(`tr[data-dialog="${session.dialog}"]`).getByRole("button", { name: /^Open dialog/ }).click();
  const seen = desk.locator("li.from-visitor img.attached");
  await seen.waitFor();
  await desk.waitForFunction(() => {
    const img = document.querySelector("li.from-visitor img.attached");
    return img && img.complete && img.naturalWidth === 1;
  });
  assert.equal(await seen.getAttribute("alt"), "cup.png");
  await desk.locator("li.from-operator a.file", { hasText: `📄 Invoice.pdf · ${PDF.length} B` }).waitFor();
  await desk.locator('form.composer input[type="file"]').setInputFiles({ name: "Price list.pdf", mimeType: "application/pdf", buffer: PDF });
  await panel.locator("li.ol-from-operator a.ol-file", { hasText: `📄 Price list.pdf · ${PDF.length} B` }).waitFor();
  assert.equal(await desk.locator("li.from-operator", { hasText: "Invoice.pdf" }).getByRole("button", { name: "Save as quick answer" }).count(), 0, "a file is no quick answer");
  await screenshot(desk, "console-attachments");
  await desk.locator('form.composer input[type="file"]').setInputFiles({ name: "notes.pdf", mimeType: "application/pdf", buffer: Buffer.from("plain words") });
  await desk.getByText("This line does not accept this kind of file.").waitFor();
  await desk.close();

  const history = (await api(edge.base, "GET", "/api/v1/visitor/messages", { token: session.token })).body.messages;
  assert.deepEqual(history.filter((m) => m.attachment).map((m) => m.attachment.name), ["cup.png", "Invoice.pdf", "Price list.pdf"]);
  await page.close();

  // The administrator sets the line's rules in its settings.
  const adminDesk = await consolePage(browser.context, edge.base, "admin");
  await adminDesk.getByRole("button", { name: "Administration" }).click();
  await adminDesk.getByLabel("Line", { exact: true }).selectOption("wfiles");
  await adminDesk.getByRole("tab", { name: "Line settings" }).click();
  const rules = adminDesk.getByRole("group", { name: "Files in the chat" });
  assert.ok(await rules.getByLabel("Visitors and operators may send files").isChecked());
  assert.equal(await rules.getByLabel("Largest file (MB, 1–25)").inputValue(), "1");
  await rules.getByLabel("Largest file (MB, 1–25)").fill("5");
  await rules.getByLabel("PDF documents").uncheck();
  await adminDesk.getByRole("button", { name: "Save" }).click();
  await until(async () => {
    const a = (await api(edge.base, "GET", "/api/v1/lines/wfiles/settings", { token: admin.token })).body.attachments;
    return a.max_bytes === 5 * 1024 * 1024 && a.kinds.join() === "png,jpeg";
  }, "the rules saved");
  await rules.getByLabel("Visitors and operators may send files").uncheck();
  await adminDesk.getByRole("button", { name: "Save" }).click();
  await until(async () => !(await api(edge.base, "GET", "/api/v1/lines/wfiles/settings", { token: admin.token })).body.attachments.enabled, "files off");
  await adminDesk.close();
  const off = await shopPage(browser.context, edge.base, "wfiles");
  await off.getByRole("button", { name: "Open chat" }).click();
  await off.getByRole("dialog").getByLabel("Message").waitFor();
  assert.equal(await off.getByRole("button", { name: "Attach a file" }).count(), 0, "no picker on a line without files");
  await off.close();
});
