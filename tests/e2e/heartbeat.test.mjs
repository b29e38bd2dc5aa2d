// Issue 10, Q7: a console that goes silent without closing (a network gone,
// a laptop asleep) counts as gone once its heartbeat window ends, so its
// operator's unanswered dialogs reach a colleague. A real `wrangler dev`
// with the window shortened to 3 s (OPENLINE_HEARTBEAT_S, dev only; the
// console pings every 25 s against a 90 s window when deployed).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startEdge } from "./harness.mjs";
import { api, login, makeLine, operatorSocket, until, visitor } from "./client.mjs";

let edge, admin, anna, boris;
before(async () => {
  edge = await startEdge({ vars: { OPENLINE_HEARTBEAT_S: "3" } });
  [admin, anna, boris] = await Promise.all(["admin", "anna", "boris"].map((w) => login(edge.base, w)));
});
after(async () => edge?.stop());

test("a silent console loses its unanswered dialog to a colleague whose console keeps pinging; a ping brings it back", async () => {
  await makeLine(edge.base, admin, "beat", { mode: "strict_order", pass_after_ms: 30 * 60_000 });
  const a = await operatorSocket(edge.base, "beat", anna); // never pings
  const b = await operatorSocket(edge.base, "beat", boris);
  const pinging = setInterval(() => b.send({ type: "ping" }), 1_000);
  try {
    const v = await visitor(edge.base, "beat");
    await a.next((f) => f.type === "offer" && f.dialog === v.dialog);
    assert.equal((await api(edge.base, "POST", `/api/v1/lines/beat/dialogs/${v.dialog}/accept`, { token: anna.token })).status, 200);
    await b.next((f) => f.type === "offer" && f.dialog === v.dialog, 20_000);
    const presence = async (who) =>
      (await api(edge.base, "GET", "/api/v1/lines/beat/operators", { token: admin.token })).body.operators.find((o) => o.id === who.id).presence;
    assert.equal(await presence(anna), "offline");
    assert.equal(await presence(boris), "online", "pings keep a console present");
    a.send({ type: "ping" });
    await a.next((f) => f.type === "pong");
    await until(async () => (await presence(anna)) === "online", "anna back online after her ping");
  } finally {
    clearInterval(pinging);
    a.close();
    b.close();
  }
});
