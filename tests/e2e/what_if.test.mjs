// Issue 12, X7: the what-if replay. A day's dialogs, recorded by the real
// line, come with a one-day statistics report; the console replays them in
// the browser (its what-if module, loaded on demand) under the settings as
// they are and as edited, and shows the difference; an administrator saves
// the edited settings from there, a supervisor may only look.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, screenshot, startEdge } from "./harness.mjs";
import { api, consolePage, login, makeLine, visitor, visitorSays } from "./client.mjs";

let edge, admin, sveta, browser;
before(async () => {
  edge = await startEdge();
  [admin, sveta] = await Promise.all(["admin", "sveta"].map((w) => login(edge.base, w)));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await edge?.stop();
});

const stats = (query) => api(edge.base, "GET", `/api/v1/lines/whatif/statistics${query}`, { token: sveta.token });

/** The console's statistics of one day, with its what-if panel. */
async function whatIf(who, day) {
  const p = await consolePage(browser.context, edge.base, who);
  await p.getByRole("button", { name: "Administration" }).click();
  await p.getByLabel("Line", { exact: true }).selectOption("whatif");
  await p.getByRole("tab", { name: "Statistics" }).click();
  await p.locator(".statistics .report").waitFor();
  await p.locator(".statistics").getByText("Show a single day").waitFor();
  await p.getByLabel("From").fill(day);
  await p.getByLabel("To").fill(day);
  await p.getByRole("button", { name: "Show" }).click();
  const panel = p.locator("section.what-if");
  await panel.locator("form select").waitFor();
  return { p, panel };
}

/** Sets an operator's reaction in the shifts table. */
async function reaction(panel, name, seconds) {
  const row = panel.locator("table.shifts tbody tr").filter({ hasText: name });
  await row.getByLabel("Reaction, s").fill(String(seconds));
}

/** The compared figures: row label → [now, edited]. */
async function compared(panel) {
  const table = panel.locator(".what-if-result table.compare");
  await table.waitFor();
  const out = {};
  for (const row of await table.locator("tbody tr").all()) {
    const label = (await row.locator("th").innerText()).trim();
    out[label] = (await row.locator("td").allInnerTexts()).map((s) => s.trim());
  }
  return out;
}

test("X7: the day's recorded dialogs replayed under two modes show different waits; a synthetic day; only an administrator saves", async () => {
  await makeLine(edge.base, admin, "whatif", { mode: "all_at_once", pass_after_ms: 60_000 });
  for (const words of ["Is the oolong in stock?", "Where is my parcel?", "Do you gift-wrap?"]) {
    const v = await visitor(edge.base, "whatif");
    assert.equal((await visitorSays(edge.base, v, words)).status, 201);
  }
  // The API gives a one-day report its arrivals, and longer ones none.
  const week = await stats("");
  assert.equal(week.status, 200, JSON.stringify(week.body));
  assert.deepEqual(week.body.arrivals, []);
  const day = week.body.to;
  const one = (await stats(`?from=${day}&to=${day}`)).body;
  assert.equal(one.arrivals.length, 3);
  assert.ok(one.arrivals.every((a) => a.at >= one.day_start && a.at < one.day_start + 86_400_000), JSON.stringify(one));
  assert.deepEqual(new Set(one.arrivals.map((a) => a.client)).size, 3, "three clients");

  // A supervisor compares: all at once now, strict order edited. Anna
  // reacts in 2 minutes (past the 1-minute pass-on), Boris in 20 s.
  const { p, panel } = await whatIf("sveta", day);
  await panel.getByText("Dialogs recorded on this day: 3").waitFor();
  await reaction(panel, "Anna", 120);
  await reaction(panel, "Boris", 20);
  await panel.getByLabel("Distribution").selectOption("strict");
  await panel.getByRole("button", { name: "Compare" }).click();
  const a = await compared(panel);
  assert.deepEqual(a["Dialogs"], ["3", "3"]);
  assert.deepEqual(a["Wait for an operator, p50 · p90"], ["20 s · 20 s", "1 min 20 s · 1 min 20 s"], JSON.stringify(a));
  assert.deepEqual(a["Longest wait"], ["20 s", "1 min 20 s"]);
  assert.match(a["Anna (dialogs · at most at once · passed on)"][1], /^0 · 0 · 3$/, "every offer ran out on Anna");
  assert.match(a["Boris (dialogs · at most at once · passed on)"][1], /^3 · 3 · 0$/);
  await screenshot(p, "console-what-if");
  assert.equal(await panel.getByRole("button", { name: "Save these settings" }).count(), 0, "a supervisor may not save");

  // Nobody on shift in the edited day: every dialog waits to the end.
  for (const name of ["Anna", "Boris"]) {
    await panel.locator("table.shifts tbody tr").filter({ hasText: name }).getByRole("checkbox").uncheck();
  }
  await panel.getByRole("button", { name: "Compare" }).click();
  await panel.locator(".what-if-result").getByText("Missed first-answer KPI").waitFor();
  const b = await compared(panel);
  assert.deepEqual(b["Answered"], ["3", "0"]);
  // Now, each dialog waits Boris's 20 s: how many wait at once depends on
  // how close the three came (the test clock runs 60× faster, so a slow
  // machine spreads them over more than 20 s); with nobody on shift, all.
  const together = (ms) =>
    Math.max(...one.arrivals.map((x) => one.arrivals.filter((y) => y.at <= x.at && x.at < y.at + ms).length));
  assert.deepEqual(b["Most dialogs waiting at once"], [String(together(20_000)), "3"], JSON.stringify({ one, a, b }));

  // A synthetic day of 40 dialogs instead; a bad number is a sentence.
  await panel.getByLabel(/a synthetic day/).fill("forty");
  await panel.getByRole("button", { name: "Compare" }).click();
  await panel.getByRole("alert").filter({ hasText: "Write whole positive numbers" }).waitFor();
  await panel.getByLabel(/a synthetic day/).fill("40");
  await panel.getByRole("button", { name: "Compare" }).click();
  await panel.locator(".what-if-result").waitFor();
  const c = await compared(panel);
  assert.deepEqual(c["Dialogs"], ["40", "40"]);
  await p.close();

  // An administrator saves the edited settings from the comparison.
  const { p: q, panel: adminPanel } = await whatIf("admin", day);
  await adminPanel.getByLabel("Distribution").selectOption("strict");
  await adminPanel.getByLabel(/Pass to the next operator/).fill("2");
  await adminPanel.getByRole("button", { name: "Compare" }).click();
  await adminPanel.getByRole("button", { name: "Save these settings" }).click();
  await adminPanel.getByRole("status").filter({ hasText: "Saved" }).waitFor();
  const saved = (await api(edge.base, "GET", "/api/v1/lines/whatif/settings", { token: admin.token })).body;
  assert.deepEqual([saved.mode, saved.pass_after_ms], ["strict_order", 120_000]);
  assert.equal(saved.name, "Line whatif", "the rest of the settings as they were");
  await q.close();
});
