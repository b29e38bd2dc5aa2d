// Issue 12, GDPR for one client of a line through the real edge: an
// administrator exports everything the line keeps of them (contacts, leads,
// every message), and erases it once their conversation is over — the
// words of the chat, the rating's comment, contacts, leads, the search
// index and the visitor's token go; the dialog's record stays for the
// statistics. Nobody else may do either.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, consolePage, login, makeLine, operatorSays, visitor, visitorSays } from "./client.mjs";

let edge, admin, anna, sveta;
before(async () => {
  edge = await startEdge();
  [admin, anna, sveta] = await Promise.all(["admin", "anna", "sveta"].map((w) => login(edge.base, w)));
});
after(async () => {
  await edge?.stop();
});

test("GDPR: an administrator exports one client's data and erases it once the conversation is over", async () => {
  await makeLine(edge.base, admin, "gdpr", { mode: "all_at_once", close_on_rating: true });
  const olga = await visitor(edge.base, "gdpr");
  assert.equal((await visitorSays(edge.base, olga, "Please deliver to Rua Augusta 1, Lisbon")).status, 201);
  assert.equal((await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: olga.token, body: { name: "Olga", email: "olga@example.com" } })).status, 200);
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/gdpr/dialogs/${olga.dialog}/accept`, { token: anna.token })).status, 200);
  assert.equal((await operatorSays(edge.base, anna, "gdpr", olga.dialog, "Noted: Rua Augusta 1.")).status, 201);
  assert.equal((await operatorSays(edge.base, anna, "gdpr", olga.dialog, "VIP client", true)).status, 201);
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/gdpr/dialogs/${olga.dialog}/lead`, { token: anna.token })).status, 201);

  const path = `/api/v1/lines/gdpr/clients/${olga.client}`;
  for (const who of [anna, sveta]) {
    assert.equal((await api(edge.base, "GET", `${path}/export`, { token: who.token })).status, 403, "administrators only");
    assert.equal((await api(edge.base, "DELETE", path, { token: who.token })).status, 403);
  }
  const exported = await api(edge.base, "GET", `${path}/export`, { token: admin.token });
  assert.equal(exported.status, 200, JSON.stringify(exported.body));
  const x = exported.body;
  assert.deepEqual([x.client, x.line, x.contacts.email, x.leads.length, x.dialogs.length], [olga.client, "gdpr", "olga@example.com", 1, 1]);
  const texts = x.dialogs[0].messages.map((m) => m.text);
  assert.ok(texts.includes("Please deliver to Rua Augusta 1, Lisbon") && texts.includes("Noted: Rua Augusta 1."));
  assert.ok(x.dialogs[0].messages.some((m) => m.hidden && m.text === "VIP client"), "notes about the client are theirs to see too");
  const nobody = await api(edge.base, "GET", "/api/v1/lines/gdpr/clients/v-nobody/export", { token: admin.token });
  assert.equal(nobody.status, 404);
  assert.equal(nobody.body.error.code, "client_not_found");

  const early = await api(edge.base, "DELETE", path, { token: admin.token });
  assert.equal(early.status, 409, "not while the conversation goes on");
  assert.match(early.body.error.message, /close it first/);

  assert.equal((await api(edge.base, "POST", `/api/v1/lines/gdpr/dialogs/${olga.dialog}/close`, { token: anna.token })).status, 200);
  const rated = await api(edge.base, "POST", "/api/v1/visitor/rating", { token: olga.token, body: { score: 5, comment: "Olga from Lisbon says thanks" } });
  assert.equal(rated.status, 200);
  const erased = await api(edge.base, "DELETE", path, { token: admin.token });
  assert.equal(erased.status, 200, JSON.stringify(erased.body));
  assert.deepEqual([erased.body.contacts, erased.body.leads], [true, 1]);
  assert.ok(erased.body.messages >= 4, `the chat's words and the rating's comment: ${JSON.stringify(erased.body)}`);

  const after = (await api(edge.base, "GET", `${path}/export`, { token: admin.token })).body;
  assert.deepEqual([after.contacts, after.leads, after.consents], [null, [], []]);
  assert.ok(after.dialogs[0].messages.every((m) => m.text === ""), "no words left");
  assert.equal(after.dialogs[0].dialog.client_rating.score, 5, "the score stays for the statistics");
  assert.equal(after.dialogs[0].dialog.client_rating.comment ?? null, null);
  const found = await api(edge.base, "GET", "/api/v1/lines/gdpr/dialogs/search?q=augusta", { token: admin.token });
  assert.deepEqual(found.body.dialogs, [], "the word index forgot them");
  const stats = await api(edge.base, "GET", "/api/v1/lines/gdpr/statistics", { token: admin.token });
  assert.equal(stats.body.dialogs.opened, 1, "the dialog still counts");
  const stale = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: olga.token });
  assert.ok(stale.status >= 400, `the visitor's token no longer opens the dialog: ${stale.status}`);

  const again = await api(edge.base, "DELETE", path, { token: admin.token });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, { contacts: false, consents: 0, visits: 0, leads: 0, messages: 0 }, "nothing left to erase, and it says so");

  // X9: each export and the erasure are in the line's audit log (an erasure
  // that erased nothing, a refused or failed request are not).
  const audit = (who) => api(edge.base, "GET", "/api/v1/lines/gdpr/audit", { token: who.token });
  for (const who of [anna, sveta]) assert.equal((await audit(who)).status, 403, "administrators only");
  const log = await audit(admin);
  assert.equal(log.status, 200, JSON.stringify(log.body));
  assert.deepEqual(
    log.body.entries.map((e) => [e.action, e.client, e.by]),
    [
      ["export", olga.client, admin.id],
      ["erase", olga.client, admin.id],
      ["export", olga.client, admin.id],
    ],
    "newest first",
  );
  assert.ok(log.body.entries.every((e) => e.at > 0));
});

test("GDPR in the console: on the client card an administrator downloads the client's data and, once asked, erases it; an open conversation is explained", async () => {
  const browser = await launchBrowser();
  try {
    await makeLine(edge.base, admin, "gdprc", { mode: "all_at_once" });
    const ivan = await visitor(edge.base, "gdprc");
    await visitorSays(edge.base, ivan, "My phone is +351 900 000 000");
    await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: ivan.token, body: { name: "Ivan", phone: "+351 900 000 000" } });
    const p = await consolePage(browser.context, edge.base, "admin");
    await p.getByLabel("Line", { exact: true }).selectOption("gdprc");
    await p.getByRole("tab", { name: /^All/ }).click();
    await p.locator(`tr[data-dialog="${ivan.dialog}"]`).getByRole("button", { name: /^Open dialog/ }).click();
    const card = p.locator("details.client-card");
    const link = card.getByRole("link", { name: "Download everything about this client (JSON)" });
    const r = await fetch(new URL(await link.getAttribute("href"), edge.base));
    assert.equal(r.status, 200);
    const data = await r.json();
    assert.equal(data.contacts.phone, "+351 900 000 000");
    assert.ok(data.dialogs[0].messages.some((m) => m.text === "My phone is +351 900 000 000"));

    p.on("dialog", (d) => d.accept());
    await card.getByRole("button", { name: "Erase this client's data" }).click();
    await card.getByText("The client's conversation is still going on: close it first, then erase.").waitFor();
    // Anna takes and closes it; with no rating wait it finishes at once.
    const settings = (await api(edge.base, "GET", "/api/v1/lines/gdprc/settings", { token: admin.token })).body;
    settings.rating_wait_ms = 0;
    assert.equal((await api(edge.base, "PUT", "/api/v1/lines/gdprc/settings", { token: admin.token, body: settings })).status, 200);
    assert.equal((await api(edge.base, "POST", `/api/v1/lines/gdprc/dialogs/${ivan.dialog}/accept`, { token: anna.token })).status, 200);
    assert.equal((await api(edge.base, "POST", `/api/v1/lines/gdprc/dialogs/${ivan.dialog}/close`, { token: anna.token })).status, 200);
    await card.getByRole("button", { name: "Erase this client's data" }).click();
    await card.getByText("The client's data is erased.").waitFor();
    await card.getByText("The client left no contacts.").waitFor();
    await p.locator("section.chat").getByText("My phone is +351 900 000 000").waitFor({ state: "detached" });
    await screenshot(p, "console-gdpr");
    const after = (await api(edge.base, "GET", `/api/v1/lines/gdprc/clients/${ivan.client}/export`, { token: admin.token })).body;
    assert.equal(after.contacts, null);
    assert.ok(after.dialogs[0].messages.every((m) => m.text === ""));
    await card.getByRole("button", { name: "Erase this client's data" }).click();
    await card.getByText("Nothing of this client was left to erase.").waitFor();
    // X9: the administrator reads it back in the audit log.
    await p.getByRole("button", { name: "Administration" }).click();
    await p.getByRole("tab", { name: "Consents" }).click();
    const audit = p.locator("section.audit");
    await audit.getByText("Data erased (GDPR)").waitFor();
    assert.deepEqual(
      (await audit.locator("tbody tr td:nth-child(3)").allInnerTexts()).map((s) => s.trim()),
      ["Data downloaded (GDPR)", "Data erased (GDPR)", "Data downloaded (GDPR)"],
      "newest first; the erasure that found nothing is not there",
    );
    assert.match(await audit.locator("tbody tr").first().innerText(), /Admin/, "who, by name");
  } finally {
    await browser.close();
  }
});
