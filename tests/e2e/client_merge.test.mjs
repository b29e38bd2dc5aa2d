// Issue 12, C1 by hand: clients of a line who left the same e-mail or
// phone are proposed on each other's card as possibly one person; an
// operator of the line merges a proposed pair, a supervisor any pair; the
// merged client's dialogs and contacts are the survivor's; two verified
// users never merge; every other caller and every bad request is refused
// with its reason. And the same from the console's client card.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, consolePage, login, makeLine, until, visitor, visitorSays } from "./client.mjs";

let edge, admin, anna, boris, sveta;
before(async () => {
  edge = await startEdge();
  [admin, anna, boris, sveta] = await Promise.all(["admin", "anna", "boris", "sveta"].map((w) => login(edge.base, w)));
});
after(async () => {
  await edge?.stop();
});

const card = (line, client, who = anna) => api(edge.base, "GET", `/api/v1/lines/${line}/clients/${client}`, { token: who.token });
const merge = (line, client, body, who = anna) =>
  api(edge.base, "POST", `/api/v1/lines/${line}/clients/${client}/merge`, { token: who?.token, body });
/** A visitor who wrote once and left these contacts. */
async function client(line, words, contacts) {
  const v = await visitor(edge.base, line);
  assert.equal((await visitorSays(edge.base, v, words)).status, 201);
  if (contacts) {
    assert.equal((await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: contacts })).status, 200);
  }
  return v;
}

test("C1: clients with the same e-mail or phone are proposed and merged by who may; the survivor holds both dialogs", async () => {
  await makeLine(edge.base, admin, "merges", { mode: "all_at_once", queueLogins: ["anna"] });
  const olga = await client("merges", "Is the oolong in stock?", { name: "Olga", email: "Olga@Example.com" });
  const olga2 = await client("merges", "Where is my parcel?", { email: "olga@example.com ", phone: "+351 912 345 678" });
  const ivan = await client("merges", "Do you gift-wrap?", { name: "Ivan", phone: "351-912-345-678" });
  const pavel = await client("merges", "Hello", { name: "Pavel", email: "pavel@example.com" });

  const c = (await card("merges", olga.client)).body;
  assert.deepEqual(c.similar.map((s) => [s.client, s.by]), [[olga2.client, "email"]], "the same address in another case");
  const c2 = (await card("merges", olga2.client)).body;
  assert.deepEqual(
    c2.similar.map((s) => [s.client, s.by]).sort(),
    [[ivan.client, "phone"], [olga.client, "email"]].sort(),
    "by e-mail and by the phone's digits",
  );
  assert.deepEqual((await card("merges", pavel.client)).body.similar, [], "nobody like Pavel");

  // Who may not, and bad requests: nothing changes.
  assert.equal((await merge("merges", olga.client, { with: olga2.client }, null)).status, 401);
  assert.equal((await merge("merges", olga.client, { with: olga2.client }, boris)).status, 403, "Boris is not on the line");
  const notProposed = await merge("merges", olga.client, { with: pavel.client });
  assert.equal(notProposed.status, 403, "an operator merges only a proposed pair");
  assert.match(notProposed.body.error.message, /only a supervisor/);
  assert.equal((await merge("merges", olga.client, { with: olga.client })).status, 400);
  assert.equal((await merge("merges", olga.client, { with: "v0000" })).body.error.code, "client_not_found");
  assert.equal((await merge("merges", olga.client, { with: "no such id!" })).status, 400);
  assert.equal((await merge("merges", olga.client, { nothing: 1 })).status, 400);
  assert.equal((await card("merges", olga.client)).body.dialogs.length, 1, "still one dialog each");

  // Anna confirms the proposal: Olga's card holds both dialogs and keeps
  // her name, the other card is empty and gone from the proposals.
  const done = await merge("merges", olga.client, { with: olga2.client });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.deepEqual(done.body, { client: olga.client, merged: olga2.client });
  const merged = (await card("merges", olga.client)).body;
  assert.deepEqual(merged.dialogs.map((d) => d.id).sort(), [olga.dialog, olga2.dialog].sort());
  assert.deepEqual(merged.contacts, { name: "Olga", email: "Olga@Example.com", phone: "+351 912 345 678" }, "what she lacked, from the other");
  assert.deepEqual(merged.similar.map((s) => [s.client, s.by]), [[ivan.client, "phone"]], "now like Ivan by the phone");
  assert.deepEqual((await card("merges", olga2.client)).body.dialogs, []);
  const again = await merge("merges", olga.client, { with: olga2.client });
  assert.equal(again.body.error.code, "client_not_found", "merged once, not twice");
  const list = (await api(edge.base, "GET", "/api/v1/lines/merges/dialogs", { token: sveta.token })).body.dialogs;
  assert.equal(list.find((d) => d.id === olga2.dialog).client, olga.client, "the dialog list says whose it is");

  // A supervisor merges any two clients.
  const any = await merge("merges", pavel.client, { with: ivan.client }, sveta);
  assert.equal(any.status, 200, JSON.stringify(any.body));
  assert.equal((await card("merges", pavel.client, sveta)).body.dialogs.length, 2);

  // X9: both merges are in the audit log, who and which client went where.
  const log = (await api(edge.base, "GET", "/api/v1/lines/merges/audit", { token: admin.token })).body;
  assert.deepEqual(
    log.entries.map((e) => [e.action, e.client, e.detail, e.by]),
    [
      ["merge", pavel.client, ivan.client, sveta.id],
      ["merge", olga.client, olga2.client, anna.id],
    ],
  );
});

test("C1: two verified users are two people; an anonymous visitor merged with a verified one becomes the verified one", async () => {
  const secret = "merge-secret-0123456789";
  await makeLine(edge.base, admin, "mergev", { mode: "all_at_once", queueLogins: ["anna"], identity_secret: secret });
  const { createHmac } = await import("node:crypto");
  const sign = (id) => createHmac("sha256", secret).update(id).digest("hex");
  const verified = async (id, words) => {
    const v = await visitor(edge.base, "mergev", { identity: { user_id: id, hash: sign(id) } });
    assert.equal((await visitorSays(edge.base, v, words)).status, 201);
    assert.equal((await api(edge.base, "POST", "/api/v1/visitor/contacts", { token: v.token, body: { email: "shared@example.com" } })).status, 200);
    return v;
  };
  const u1 = await verified("user-1", "First");
  const u2 = await verified("user-2", "Second");
  const anon = await client("mergev", "Third", { email: "SHARED@example.com" });
  const two = await merge("mergev", u1.client, { with: u2.client }, sveta);
  assert.equal(two.status, 409);
  assert.equal(two.body.error.code, "conflict");
  const m = await merge("mergev", anon.client, { with: u1.client });
  assert.equal(m.status, 200, JSON.stringify(m.body));
  assert.deepEqual(m.body, { client: u1.client, merged: anon.client }, "asked from the anonymous card, the verified id stays");
  assert.equal((await card("mergev", u1.client)).body.dialogs.length, 2);
});

test("C1 in the console: the client card proposes a client with the same phone and merges them at the operator's word", async () => {
  await makeLine(edge.base, admin, "mergec", { mode: "all_at_once", queueLogins: ["anna"] });
  const first = await client("mergec", "Any green tea on sale?", { name: "Marta", phone: "+351 900 111 222" });
  const second = await client("mergec", "Is my order shipped?", { phone: "351900111222" });
  const browser = await launchBrowser();
  try {
    const p = await consolePage(browser.context, edge.base, "anna");
    await p.getByLabel("Line", { exact: true }).selectOption("mergec");
    await p.getByRole("tab", { name: /^Offered/ }).click();
    await p.locator(`tr[data-dialog="${first.dialog}"]`).getByRole("button", { name: /^Open dialog/ }).click();
    const cardView = p.locator("details.client-card");
    await cardView.getByText("Possibly the same person").waitFor();
    const item = cardView.locator("ul.similar li");
    assert.match(await item.innerText(), /351900111222 — the same phone/);
    await item.getByRole("button", { name: "Merge" }).click();
    await cardView.locator("ul.similar").waitFor({ state: "detached" });
    await until(async () => (await cardView.locator("ul.earlier li").count()) === 2, "both dialogs on the card");
    await screenshot(p, "console-client-merge");
    const c = (await card("mergec", first.client)).body;
    assert.deepEqual(c.dialogs.map((d) => d.id).sort(), [first.dialog, second.dialog].sort());
  } finally {
    await browser.close();
  }
});

