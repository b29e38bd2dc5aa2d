// Issue 12, S1 and S3: a line's statistics for a period through the API
// (supervisors and administrators of the line only), counted from the
// line's live and archived dialogs; a finished dialog leaves the line's
// live state after the retention (here 120 s of core time, 2 real seconds)
// and stays readable — its transcript, its client's card, its figures.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, consolePage, login, makeLine, until, visitor, visitorSays } from "./client.mjs";

let edge, admin, anna, boris, sveta, browser;
// Olga's and Ivan's sessions, from the first test (archived by the later ones).
let olga, ivan;
before(async () => {
  edge = await startEdge({ vars: { OPENLINE_ARCHIVE_AFTER_S: "120" } });
  [admin, anna, boris, sveta] = await Promise.all(["admin", "anna", "boris", "sveta"].map((w) => login(edge.base, w)));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await edge?.stop();
});

const stats = (who, query = "", line = "stats") => api(edge.base, "GET", `/api/v1/lines/${line}/statistics${query}`, { token: who?.token });
const dialogs = async () => (await api(edge.base, "GET", "/api/v1/lines/stats/dialogs", { token: sveta.token })).body.dialogs;
const act = (who, dialog, what, body) => api(edge.base, "POST", `/api/v1/lines/stats/dialogs/${dialog}/${what}`, { token: who.token, body });

test("S1: the line's figures for a period, for its supervisors only; S3: archived dialogs stay readable and counted", async () => {
  // Ten minutes of core time (10 real seconds) for the rating; R3 closes on it.
  await makeLine(edge.base, admin, "stats", { mode: "all_at_once", close_on_rating: true, rating_wait_ms: 600_000 });

  // Olga's dialog: Anna takes it, answers, closes; Olga rates 5, Sveta 4.
  olga = await visitor(edge.base, "stats");
  assert.equal((await visitorSays(edge.base, olga, "Do you ship to Porto?")).status, 201);
  assert.equal((await act(anna, olga.dialog, "accept")).status, 200);
  assert.equal((await act(anna, olga.dialog, "messages", { client_id: "a1", text: "Yes, in three days." })).status, 201);
  assert.equal((await act(sveta, olga.dialog, "rating", { score: 4 })).status, 200);
  assert.equal((await act(anna, olga.dialog, "close")).status, 200);
  const rated = await api(edge.base, "POST", "/api/v1/visitor/rating", { token: olga.token, body: { score: 5 } });
  assert.equal(rated.status, 200, JSON.stringify(rated.body));
  // Ivan's dialog: Boris takes it and closes it without a word.
  ivan = await visitor(edge.base, "stats");
  assert.equal((await visitorSays(edge.base, ivan, "Hello?")).status, 201);
  assert.equal((await act(boris, ivan.dialog, "accept")).status, 200);
  assert.equal((await act(boris, ivan.dialog, "close")).status, 200);

  const now = await stats(sveta);
  assert.equal(now.status, 200, JSON.stringify(now.body));
  const s = now.body;
  assert.equal(s.time_zone, "UTC");
  assert.equal(s.days.length, 7, "the last week by default");
  assert.deepEqual(s.dialogs, { opened: 2, answered: 1, unanswered: 0, open: 1 }, "Ivan's still awaits a rating");
  assert.equal(s.first_answer.count, 1);
  assert.ok(s.first_answer.p50_ms > 0);
  assert.equal(s.queue_wait.count, 2);
  assert.deepEqual([s.client_ratings.count, s.client_ratings.average, s.client_ratings.scores], [1, 5, [0, 0, 0, 0, 1]]);
  assert.deepEqual([s.supervisor_ratings.count, s.supervisor_ratings.average], [1, 4]);
  assert.equal(s.hours.reduce((a, b) => a + b, 0), 2);
  assert.equal(s.days.at(-1).dialogs.opened, 2, "both today");
  const accounts = (await api(edge.base, "GET", "/api/v1/accounts", { token: admin.token })).body;
  const id = (login) => accounts.find((a) => a.login === login).id;
  assert.deepEqual(
    s.operators.map((o) => [o.operator, o.dialogs.answered, o.client_ratings.count]).sort(),
    [[id("anna"), 1, 1], [id("boris"), 0, 0]].sort(),
  );

  // Who may ask, and what a bad period says.
  assert.equal((await stats(anna)).status, 403, "an operator of the line does not see its statistics");
  assert.equal((await stats(null)).status, 401);
  assert.equal((await stats(admin)).status, 200);
  assert.equal((await stats(sveta, "", "no-such-line")).status, 404);
  const backwards = await stats(sveta, "?from=2026-12-07&to=2026-12-01");
  assert.equal(backwards.status, 400);
  assert.equal(backwards.body.error.code, "bad_request");
  assert.match(backwards.body.error.message, /ends before it begins/);
  assert.equal((await stats(sveta, "?from=1.12.2026")).status, 400);
  assert.equal((await stats(sveta, "?from=2024-01-01&to=2026-01-01")).status, 400, "at most 366 days");
  const past = await stats(sveta, "?from=2026-01-01&to=2026-01-31");
  assert.equal(past.status, 200);
  assert.equal(past.body.dialogs.opened, 0, "nothing was opened then");

  // Both finish (Ivan's when the rating time ends) and leave the live state.
  await until(async () => (await dialogs()).length === 0, "both dialogs archived", 30_000);
  const later = (await stats(sveta)).body;
  assert.deepEqual(later.dialogs, { opened: 2, answered: 1, unanswered: 1, open: 0 }, "archived dialogs still count");
  assert.equal(later.client_ratings.count, 1);
  const transcript = await api(edge.base, "GET", `/api/v1/lines/stats/dialogs/${olga.dialog}/messages`, { token: anna.token });
  assert.equal(transcript.status, 200, JSON.stringify(transcript.body));
  assert.ok(transcript.body.messages.some((m) => m.text === "Yes, in three days."), "Anna still reads her archived dialog");
  assert.equal(
    (await api(edge.base, "GET", `/api/v1/lines/stats/dialogs/${olga.dialog}/messages`, { token: boris.token })).status,
    403,
    "an archived dialog is still not Boris's to read",
  );
  const card = await api(edge.base, "GET", `/api/v1/lines/stats/clients/${olga.client}`, { token: sveta.token });
  assert.equal(card.status, 200);
  assert.deepEqual(card.body.dialogs.map((d) => d.id), [olga.dialog], "the client's card lists the archived dialog");
});

test("S1 in the console: a supervisor reads the figures, the days and hours as bars and a row per operator; another period; a period backwards is explained", async () => {
  const p = await consolePage(browser.context, edge.base, "sveta");
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByLabel("Line", { exact: true }).selectOption("stats");
  await p.getByRole("tab", { name: "Statistics" }).click();
  const report = p.locator(".statistics .report");
  const tile = (label) => report.locator(".tiles div").filter({ has: p.locator("dt", { hasText: new RegExp(`^${label}$`) }) }).locator("dd");
  await report.waitFor();
  assert.equal(await tile("Dialogs").textContent(), "2");
  assert.equal(await tile("Answered").textContent(), "1");
  assert.equal(await tile("Without an answer").textContent(), "1");
  assert.equal(await tile("Client rating").textContent(), "5.0 (1)");
  assert.equal(await tile("Supervisor rating").textContent(), "4.0 (1)");
  assert.equal(await report.getByRole("img").count(), 2, "a chart by day and one by hour");
  assert.equal(await report.locator("svg").first().locator("g").count(), 7, "a bar for each day of the week");
  const rows = report.locator("table.operators tbody tr");
  assert.deepEqual((await rows.locator("th").allTextContents()).sort(), ["Anna", "Boris"]);
  await screenshot(p, "console-statistics");

  // A week with no dialogs.
  await p.getByLabel("From").fill("2026-01-01");
  await p.getByLabel("To").fill("2026-01-07");
  await p.getByRole("button", { name: "Show" }).click();
  await until(async () => (await tile("Dialogs").textContent()) === "0", "the empty week");
  assert.equal(await tile("Client rating").textContent(), "—");
  // Backwards: a sentence, not the API's words.
  await p.getByLabel("From").fill("2026-01-09");
  await p.getByRole("button", { name: "Show" }).click();
  await p.locator(".statistics").getByRole("alert").filter({ hasText: "The period must end on or after its first day." }).waitFor();
  await p.close();
});

test("S2/S3: dialogs found, live and archived, by their words and filters — each caller only what they may read; the list and a transcript as CSV", async () => {
  const search = (who, q = "") => api(edge.base, "GET", `/api/v1/lines/stats/dialogs/search${q}`, { token: who.token });
  const found = async (who, q) => {
    const r = await search(who, q);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.dialogs.map((d) => d.id);
  };
  const lena = await visitor(edge.base, "stats");
  assert.equal((await visitorSays(edge.base, lena, "Is your green tea organic?")).status, 201);
  assert.deepEqual(await found(sveta, "?q=organic"), [lena.dialog], "a live dialog by a word of its client");
  assert.deepEqual(await found(sveta, "?q=porto"), [olga.dialog], "an archived one by its client's word");
  assert.deepEqual(await found(sveta, "?q=three%20DAYS"), [olga.dialog], "by the operator's words, any case");
  assert.deepEqual(await found(sveta, "?q=gree"), [lena.dialog], "the start of a word");
  assert.deepEqual(await found(sveta, "?q=porto%20organic"), [], "every word must be there");
  assert.deepEqual(await found(sveta, "?state=finished"), [ivan.dialog, olga.dialog], "newest first");
  const accounts = (await api(edge.base, "GET", "/api/v1/accounts", { token: admin.token })).body;
  const anna_ = accounts.find((a) => a.login === "anna").id;
  assert.deepEqual(await found(sveta, `?operator=${anna_}`), [olga.dialog]);
  assert.deepEqual(await found(sveta, "?rating=5"), [olga.dialog]);
  const all = (await search(sveta)).body;
  assert.deepEqual([all.dialogs.length, all.more], [3, false]);
  assert.deepEqual(await found(anna, ""), [olga.dialog], "Anna reads only the dialog she held");
  assert.deepEqual(await found(boris, "?q=porto"), []);
  assert.deepEqual(await found(boris, ""), [ivan.dialog]);
  const bad = await search(sveta, "?state=closed");
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "invalid_field");
  assert.match(bad.body.error.message, /^state/);

  const csv = await api(edge.base, "GET", "/api/v1/lines/stats/dialogs/search.csv?state=finished", { token: sveta.token });
  assert.equal(csv.status, 200);
  const rows = csv.body.trim().split("\r\n");
  assert.equal(rows[0], "dialog,client,opened_at,state,operator,first_answer_s,finished_at,client_rating,supervisor_rating,kpi_missed,comment");
  assert.equal(rows.length, 3);
  assert.ok(rows.some((r) => r.startsWith(`${olga.dialog},${olga.client},`) && r.includes(",finished,") && r.includes(`,${anna_},`)));
  const transcript = await api(edge.base, "GET", `/api/v1/lines/stats/dialogs/${olga.dialog}/transcript.csv`, { token: anna.token });
  assert.equal(transcript.status, 200);
  assert.match(transcript.body, /^seq,at,author,name,hidden,text\r\n/);
  assert.match(transcript.body, /client,,,Do you ship to Porto\?/);
  assert.match(transcript.body, /operator,Anna,,"Yes, in three days\."/);
  assert.equal((await api(edge.base, "GET", `/api/v1/lines/stats/dialogs/${olga.dialog}/transcript.csv`, { token: boris.token })).status, 403);
});

test("S2/S3 in the console: History finds a dialog by a word, shows its conversation and offers the list and the conversation as CSV downloads", async () => {
  const p = await consolePage(browser.context, edge.base, "sveta");
  await p.getByLabel("Line", { exact: true }).selectOption("stats");
  await p.getByRole("button", { name: "History" }).click();
  const history = p.locator("section.history");
  await history.locator("tbody tr").first().waitFor();
  assert.equal(await history.locator("tbody tr").count(), 3, "every dialog of the line at first");
  await history.getByLabel("Words in the conversation").fill("porto");
  await history.getByRole("button", { name: "Find" }).click();
  await until(async () => (await history.locator("tbody tr").count()) === 1, "one dialog found");
  assert.match(await history.locator("tbody tr").textContent(), /Anna/, "its operator by name");
  await history.locator("tbody tr").getByRole("button", { name: "Show" }).click();
  await history.locator(".transcript").getByText("Do you ship to Porto?").waitFor();
  await screenshot(p, "console-history");
  for (const [link, head, holds] of [
    ["Download CSV", /^line,dialog,client,opened_at/, `stats,${olga.dialog}`],
    ["Download the conversation (CSV)", /^seq,at,author/, "Do you ship to Porto?"],
  ]) {
    const href = await history.getByRole("link", { name: link }).getAttribute("href");
    const r = await fetch(new URL(href, edge.base));
    assert.equal(r.status, 200, link);
    const body = await r.text();
    assert.match(body, head);
    assert.ok(body.includes(holds), `${link}: ${body.slice(0, 300)}`);
  }
  await history.getByLabel("Words in the conversation").fill("nothing-like-this");
  await history.getByRole("button", { name: "Find" }).click();
  await history.getByText("No dialogs found.").waitFor();
  await p.close();
});

test("S2 across lines: one list of every line the caller works on, each dialog with its line, filtered and paged the same; a line named narrows it; CSV with a line column", async () => {
  await makeLine(edge.base, admin, "stats2", { mode: "all_at_once", queueLogins: ["boris"] });
  const pavel = await visitor(edge.base, "stats2");
  assert.equal((await visitorSays(edge.base, pavel, "Organic matcha, please")).status, 201);
  const across = (who, q = "") => api(edge.base, "GET", `/api/v1/dialogs/search${q}`, { token: who.token });
  const rows = async (who, q) => {
    const r = await across(who, q);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.dialogs.map((x) => [x.line, x.dialog.id]);
  };
  const all = await rows(sveta, "");
  assert.deepEqual(all[0], ["stats2", pavel.dialog], "the newest first, whatever its line");
  assert.equal(all.length, 4, "three on stats, one on stats2");
  assert.deepEqual(await rows(sveta, "?q=organic"), [["stats2", pavel.dialog], ["stats", (await rows(sveta, "?line=stats&q=organic"))[0][1]]]);
  assert.deepEqual(await rows(sveta, "?line=stats2"), [["stats2", pavel.dialog]]);
  assert.deepEqual(await rows(anna, ""), [["stats", olga.dialog]], "Anna: not on stats2, and on stats only what she held");
  assert.deepEqual(await rows(boris, ""), [["stats", ivan.dialog]], "Boris: his dialog; nothing on stats2 is his to read yet");
  assert.deepEqual(await rows(boris, "?line=stats2"), [], "his line, nothing of it his");
  assert.equal((await across(anna, "?line=stats2")).status, 403, "not her line");
  assert.equal((await across(sveta, "?line=nope")).status, 404);
  assert.equal((await api(edge.base, "GET", "/api/v1/dialogs/search")).status, 401);
  const bad = await across(sveta, "?rating=9");
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /^rating/);
  const csv = await api(edge.base, "GET", "/api/v1/dialogs/search.csv?state=finished", { token: sveta.token });
  assert.equal(csv.status, 200);
  const lines = csv.body.trim().split("\r\n");
  assert.match(lines[0], /^line,dialog,client,opened_at,state/);
  assert.deepEqual(lines.slice(1).map((l) => l.split(",").slice(0, 2).join(",")).sort(), [`stats,${ivan.dialog}`, `stats,${olga.dialog}`].sort());
});

test("S2 in the console: History across all lines with a line column; columns chosen and kept; a click on a heading orders the list", async () => {
  const p = await consolePage(browser.context, edge.base, "sveta");
  await p.getByLabel("Line", { exact: true }).selectOption("stats");
  await p.getByRole("button", { name: "History" }).click();
  const history = p.locator("section.history");
  await history.locator("tbody tr").first().waitFor();
  await history.locator("form").getByLabel("Line", { exact: true }).selectOption("");
  await until(async () => (await history.locator("tbody tr").count()) === 4, "every line's dialogs");
  const column = async (n) => (await history.locator(`tbody tr td:nth-child(${n})`).allInnerTexts()).map((s) => s.trim());
  assert.deepEqual((await column(1)).sort(), ["stats", "stats", "stats", "stats2"]);
  // Ordered by line, then the other way.
  await history.locator("thead th", { hasText: /^Line$/ }).click();
  assert.deepEqual(await column(1), ["stats2", "stats", "stats", "stats"], "the first click: from the top down");
  await history.locator("thead th", { hasText: /^Line$/ }).click();
  assert.deepEqual(await column(1), ["stats", "stats", "stats", "stats2"]);
  // The line column hidden, and still hidden after a reload.
  await history.locator("details.columns summary").click();
  await history.locator("details.columns").getByLabel("Line").uncheck();
  await until(async () => (await history.locator("thead th", { hasText: /^Line$/ }).count()) === 0, "the column gone");
  await screenshot(p, "console-history-columns");
  await p.reload();
  await p.getByLabel("Line", { exact: true }).selectOption("stats");
  await p.getByRole("button", { name: "History" }).click();
  await history.locator("tbody tr").first().waitFor();
  assert.equal(await history.locator("thead th", { hasText: /^Line$/ }).count(), 0, "kept in the browser");
  await history.locator("details.columns summary").click();
  await history.locator("details.columns").getByLabel("Line").check();
  await p.close();
});
