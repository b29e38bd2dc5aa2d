// Issue 12, C2–C5: leads from chats through the API against the real edge —
// made by an operator from a chat they may read, only once the client can
// be answered (C3), one open lead per client, the chat's operator
// responsible (C5), the transcript as the client saw it; each operator sees
// and changes only their own leads, supervisors all; a line set to make
// leads by itself makes one when the client leaves a contact; a line set
// to never makes none.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, consolePage, login, makeLine, operatorSays, until, visitor, visitorSays } from "./client.mjs";

let edge, admin, anna, boris, sveta, ids;
before(async () => {
  edge = await startEdge();
  [admin, anna, boris, sveta] = await Promise.all(["admin", "anna", "boris", "sveta"].map((w) => login(edge.base, w)));
  const accounts = (await api(edge.base, "GET", "/api/v1/accounts", { token: admin.token })).body;
  ids = Object.fromEntries(accounts.map((a) => [a.login, a.id]));
});
after(async () => {
  await edge?.stop();
});

const leadsOf = async (line, who, query = "") => {
  const r = await api(edge.base, "GET", `/api/v1/lines/${line}/leads${query}`, { token: who.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.leads;
};
const makeLead = (line, who, dialog) => api(edge.base, "POST", `/api/v1/lines/${line}/dialogs/${dialog}/lead`, { token: who.token });
const change = (line, who, lead, body) => api(edge.base, "PATCH", `/api/v1/lines/${line}/leads/${lead}`, { token: who.token, body });
const contacts = (session, body) => api(edge.base, "POST", "/api/v1/visitor/contacts", { token: session.token, body });

test("C2–C5 by hand: a lead from the chat once the client can be answered, the chat's operator responsible, each sees their own", async () => {
  await makeLine(edge.base, admin, "leadsm", { mode: "all_at_once" });
  const olga = await visitor(edge.base, "leadsm");
  assert.equal((await visitorSays(edge.base, olga, "I want 20 kg of sencha for my café")).status, 201);
  assert.equal((await api(edge.base, "POST", `/api/v1/lines/leadsm/dialogs/${olga.dialog}/accept`, { token: anna.token })).status, 200);
  await api(edge.base, "POST", `/api/v1/lines/leadsm/dialogs/${olga.dialog}/messages`, { token: anna.token, body: { client_id: "n1", text: "Big order, Sveta please look", hidden: true } });
  await api(edge.base, "POST", `/api/v1/lines/leadsm/dialogs/${olga.dialog}/messages`, { token: anna.token, body: { client_id: "a1", text: "Gladly! May I have your e-mail?" } });

  // C3: no way to answer the client yet.
  const early = await makeLead("leadsm", anna, olga.dialog);
  assert.equal(early.status, 422);
  assert.equal(early.body.error.code, "no_contact");
  assert.deepEqual(await leadsOf("leadsm", sveta), [], "a refused lead is not stored");

  assert.equal((await contacts(olga, { name: "Olga", email: "olga@cafe.example" })).status, 200);
  assert.equal((await makeLead("leadsm", boris, olga.dialog)).status, 403, "Boris may not read Olga's chat");
  const made = await makeLead("leadsm", anna, olga.dialog);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const lead = made.body;
  assert.equal(lead.status, "new");
  assert.equal(lead.responsible, ids.anna, "C5: the chat's operator");
  assert.equal(lead.created_by, ids.anna);
  assert.deepEqual([lead.contacts.name, lead.contacts.email, lead.channel, lead.dialog], ["Olga", "olga@cafe.example", "widget", olga.dialog]);
  const again = await makeLead("leadsm", sveta, olga.dialog);
  assert.equal(again.status, 409, "one open lead per client");
  assert.match(again.body.error.message, new RegExp(lead.id));

  // Who sees what.
  assert.deepEqual((await leadsOf("leadsm", anna)).map((l) => l.id), [lead.id]);
  assert.deepEqual(await leadsOf("leadsm", boris), [], "not Boris's lead");
  assert.deepEqual((await leadsOf("leadsm", sveta)).map((l) => l.id), [lead.id]);
  assert.deepEqual(await leadsOf("leadsm", sveta, "?status=won"), []);
  // C1: the client's card lists the leads its reader may see, with who is responsible.
  const cardOf = async (who) => (await api(edge.base, "GET", `/api/v1/lines/leadsm/clients/${olga.client}`, { token: who.token })).body;
  assert.deepEqual((await cardOf(anna)).leads.map((l) => [l.id, l.status, l.responsible]), [[lead.id, "new", ids.anna]]);
  assert.deepEqual((await cardOf(sveta)).leads.map((l) => l.id), [lead.id]);
  assert.deepEqual((await cardOf(boris)).leads, [], "not Boris's lead, not on his card either");
  const bogus = await api(edge.base, "GET", "/api/v1/lines/leadsm/leads?status=maybe", { token: sveta.token });
  assert.equal(bogus.status, 400);
  assert.equal(bogus.body.error.code, "invalid_field");

  // The lead with its transcript, as the client saw the chat.
  const shown = await api(edge.base, "GET", `/api/v1/lines/leadsm/leads/${lead.id}`, { token: anna.token });
  assert.equal(shown.status, 200, JSON.stringify(shown.body));
  const texts = shown.body.transcript.messages.map((m) => m.text);
  assert.ok(texts.includes("I want 20 kg of sencha for my café") && texts.includes("Gladly! May I have your e-mail?"));
  assert.ok(!texts.includes("Big order, Sveta please look"), "no hidden notes in the lead's transcript");
  assert.equal((await api(edge.base, "GET", `/api/v1/lines/leadsm/leads/${lead.id}`, { token: boris.token })).status, 404);

  // Changes: a change to what is there says so; the responsible works on the line.
  const progress = await change("leadsm", anna, lead.id, { status: "in_progress" });
  assert.deepEqual([progress.status, progress.body.changed, progress.body.lead.status], [200, true, "in_progress"]);
  const same = await change("leadsm", anna, lead.id, { status: "in_progress" });
  assert.deepEqual([same.status, same.body.changed], [200, false]);
  const stranger = await change("leadsm", sveta, lead.id, { responsible: "u-mallory" });
  assert.equal(stranger.status, 400);
  assert.equal(stranger.body.error.code, "invalid_field");
  assert.equal((await change("leadsm", boris, lead.id, { status: "won" })).status, 404, "Boris cannot change Anna's lead");
  const bad = await change("leadsm", anna, lead.id, { status: "sold" });
  assert.equal(bad.status, 400);
  const handed = await change("leadsm", sveta, lead.id, { responsible: ids.boris, status: "won" });
  assert.deepEqual([handed.status, handed.body.changed, handed.body.lead.responsible, handed.body.lead.status], [200, true, ids.boris, "won"]);
  assert.deepEqual((await leadsOf("leadsm", boris)).map((l) => l.id), [lead.id], "now Boris's");
  assert.deepEqual(await leadsOf("leadsm", anna), []);
  // A won lead is closed: the client may become a new one.
  assert.equal((await makeLead("leadsm", anna, olga.dialog)).status, 201);
});

test("C2 automatic: a client who leaves a contact becomes a lead once; a line that makes no leads refuses", async () => {
  await makeLine(edge.base, admin, "leadsa", { leads: "auto" });
  const ivan = await visitor(edge.base, "leadsa");
  assert.equal((await visitorSays(edge.base, ivan, "Do you deliver to Braga?")).status, 201);
  assert.deepEqual(await leadsOf("leadsa", sveta), [], "no way to answer Ivan yet");
  assert.equal((await contacts(ivan, { name: "Ivan", phone: "+351 912 000 111" })).status, 200);
  const [lead] = await leadsOf("leadsa", sveta);
  assert.ok(lead, "made by the line");
  assert.deepEqual([lead.created_by, lead.responsible, lead.contacts.name, lead.contacts.phone], [null, null, "Ivan", "+351 912 000 111"]);
  assert.equal((await contacts(ivan, { email: "ivan@example.com" })).status, 200);
  assert.equal((await leadsOf("leadsa", sveta)).length, 1, "still one open lead");

  await makeLine(edge.base, admin, "leadsn", { leads: "never", mode: "all_at_once" });
  const nina = await visitor(edge.base, "leadsn");
  await visitorSays(edge.base, nina, "Hi");
  await contacts(nina, { email: "nina@example.com" });
  await api(edge.base, "POST", `/api/v1/lines/leadsn/dialogs/${nina.dialog}/accept`, { token: anna.token });
  const never = await makeLead("leadsn", anna, nina.dialog);
  assert.equal(never.status, 403);
  assert.deepEqual(await leadsOf("leadsn", sveta), []);
  const bad = await api(edge.base, "GET", "/api/v1/lines/leadsn/settings", { token: admin.token });
  bad.body.leads = "sometimes";
  assert.equal((await api(edge.base, "PUT", "/api/v1/lines/leadsn/settings", { token: admin.token, body: bad.body })).status, 400);
});

test("C2 in the console: Anna makes a lead from her chat once the client left an e-mail, marks it won in Leads and reads its transcript", async () => {
  const browser = await launchBrowser();
  try {
    await makeLine(edge.base, admin, "leadsc", { mode: "all_at_once" });
    const v = await visitor(edge.base, "leadsc");
    await visitorSays(edge.base, v, "Can I order 5 kg of genmaicha?");
    assert.equal((await api(edge.base, "POST", `/api/v1/lines/leadsc/dialogs/${v.dialog}/accept`, { token: anna.token })).status, 200);
    assert.equal((await operatorSays(edge.base, anna, "leadsc", v.dialog, "Sure! Where should we send the offer?")).status, 201);

    const p = await consolePage(browser.context, edge.base, "anna");
    await p.getByLabel("Line", { exact: true }).selectOption("leadsc");
    await p.getByRole("tab", { name: /^Mine/ }).click();
    await p.locator(`tr[data-dialog="${v.dialog}"]`).getByRole("button", { name: /^Open dialog/ }).click();
    await p.getByRole("button", { name: "Create lead" }).click();
    await p.getByText("A lead needs a way to reach the client: ask for an e-mail or a phone first.").waitFor();
    assert.deepEqual(await leadsOf("leadsc", anna), []);

    assert.equal((await contacts(v, { name: "Marta", email: "marta@example.com" })).status, 200);
    await p.getByRole("button", { name: "Create lead" }).click();
    await p.getByText("Lead created.").waitFor();
    await p.getByRole("button", { name: "Create lead" }).click();
    await p.getByText("This client already has an open lead.").waitFor();

    await p.getByRole("button", { name: "Leads", exact: true }).click();
    const row = p.locator("section.leads tbody tr");
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator("th").textContent(), "Marta");
    assert.match(await row.textContent(), /marta@example\.com/);
    await row.getByLabel("Status").selectOption("won");
    await p.locator("section.leads").getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await until(async () => (await leadsOf("leadsc", anna))[0]?.status === "won", "the lead won");
    await p.locator("section.leads tbody tr").getByText("Show").click();
    await p.locator("section.leads .transcript").getByText("Can I order 5 kg of genmaicha?").waitFor();
    assert.match(await p.locator("section.leads .transcript").textContent(), /Sure! Where should we send the offer\?/);
    await screenshot(p, "console-leads");
    // Won leads are not among the new ones.
    await p.locator("section.leads > label select").selectOption("new");
    await p.getByText("No leads yet.").waitFor();
    // C1: the client's card lists the lead, its status and who is responsible.
    await p.getByRole("button", { name: "Dialogs", exact: true }).click();
    await p.getByRole("tab", { name: /^Mine/ }).click();
    await p.locator(`tr[data-dialog="${v.dialog}"]`).getByRole("button", { name: /^Open dialog/ }).click();
    await p.locator("details.client-card ul.card-leads li").filter({ hasText: /^Won · Anna/ }).waitFor();
  } finally {
    await browser.close();
  }
});
