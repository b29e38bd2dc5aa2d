// Kill the worker mid-dialog and start it again on the same storage:
// history, assignments and pending timers survive, and clients resume
// without loss or duplicates.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSocket, socket, visitor, visitorSays, wsUrl, until } from "./client.mjs";

const persistDir = mkdtempSync(join(tmpdir(), "openline-restart-"));
let edge;
after(async () => {
  await edge?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});


test("a killed worker restarts with history, assignments and pending timers intact", async () => {
  edge = await startEdge({ persistDir });
  const admin = await login(edge.base, "admin");
  const anna = await login(edge.base, "anna");
  const boris = await login(edge.base, "boris");
  await makeLine(edge.base, admin, "restart", { mode: "strict_order", pass_after_ms: 5 * 60_000 });
  const a = await operatorSocket(edge.base, "restart", anna);
  const b = await operatorSocket(edge.base, "restart", boris);

  const v1 = await visitor(edge.base, "restart");
  await visitorSays(edge.base, v1, "before the restart", "v1-m1");
  await a.next((f) => f.type === "offer" && f.dialog === v1.dialog);
  await api(edge.base, "POST", `/api/v1/lines/restart/dialogs/${v1.dialog}/messages`, {
    token: anna.token,
    body: { client_id: "anna-1", text: "Hello, how can I help?" },
  });
  const v2 = await visitor(edge.base, "restart"); // offered to anna, pass-on pending
  await a.next((f) => f.type === "offer" && f.dialog === v2.dialog);

  await edge.stop({ keepState: true, signal: "SIGKILL" });
  edge = await startEdge({ persistDir, seed: false });

  // History and assignment survived.
  const hist = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v1.token });
  assert.deepEqual(hist.body.messages.map((m) => m.text), ["before the restart", "Hello, how can I help?"]);
  const anna2 = await login(edge.base, "anna");
  const dialogs = (await api(edge.base, "GET", "/api/v1/lines/restart/dialogs", { token: anna2.token })).body.dialogs;
  const d1 = dialogs.find((d) => d.id === v1.dialog);
  assert.equal(d1.status.state, "active");
  assert.equal(d1.status.operator, anna.id);

  // Presence comes from live consoles: both consoles died with the runtime,
  // so nobody is online until a console comes back.
  const ops = (await api(edge.base, "GET", "/api/v1/lines/restart/operators", { token: anna2.token })).body.operators;
  assert.deepEqual(ops.map((o) => o.presence), ["offline", "offline"]);
  const boris2 = await login(edge.base, "boris");
  const b2 = await operatorSocket(edge.base, "restart", boris2);

  // The pending pass-on timer fires after the restart: v2 moves to boris.
  await until(async () => {
    const list = (await api(edge.base, "GET", "/api/v1/lines/restart/dialogs", { token: anna2.token })).body.dialogs;
    const d2 = list.find((d) => d.id === v2.dialog);
    return d2.status.state === "offered" && d2.status.to.includes(boris.id);
  }, "the pass-on after restart");

  // The visitor resumes from the last sequence it saw, and a resend after the
  // restart is stored once.
  const vs = await socket(wsUrl(edge.base, `/api/v1/visitor/ws?token=${v1.token}`));
  vs.send({ type: "hello", protocol: 1, after: 1 });
  await vs.next((f) => f.type === "message" && f.message.seq === 2);
  vs.send({ type: "send", client_id: "v1-m1", text: "before the restart" });
  const echo = await vs.next((f) => f.type === "message" && f.message.client_id === "v1-m1");
  assert.equal(echo.message.seq, 1, "the resend is the stored copy");
  const final = await api(edge.base, "GET", "/api/v1/visitor/messages", { token: v1.token });
  assert.equal(final.body.messages.length, 2, "nothing lost, nothing duplicated");
  vs.close();
  a.close();
  b.close();
  b2.close();
});
