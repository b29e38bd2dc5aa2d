// A flood of queued dialogs, then the one operator comes online: how many
// offers reach her console at once, how long her "online" takes, and how
// long real visitors' sessions take meanwhile. Issue 16, item 15.
// `node loadgen/flood-latency.mjs [N]` after `make build` (default N = 300).
import { startEdge } from "../tests/e2e/harness.mjs";
import { api, login, makeLine, operatorSocket } from "../tests/e2e/client.mjs";

const N = Number(process.argv[2] ?? 300);
const ip = (i) => `198.18.${(i >> 8) & 255}.${i & 255}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const edge = await startEdge();
try {
  const [admin, anna] = await Promise.all([login(edge.base, "admin"), login(edge.base, "anna")]);
  await makeLine(edge.base, admin, "flood", { mode: "strict_order", queueLogins: ["anna"] });
  const session = (i) =>
    api(edge.base, "POST", "/api/v1/visitor/sessions", { body: { line: "flood" }, headers: { "CF-Connecting-IP": ip(i) } });
  let opened = 0;
  for (let i = 0; i < N; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, N - i) }, (_, k) => session(i + k)));
    opened += batch.filter((r) => r.status === 201).length;
  }
  const a = await operatorSocket(edge.base, "flood", anna);
  const t0 = performance.now();
  const online = api(edge.base, "POST", "/api/v1/lines/flood/presence", { token: anna.token, body: { presence: "online" } });
  // Real visitors arrive while the line takes her in.
  const real = Array.from({ length: 5 }, async (_, k) => {
    const s = performance.now();
    const r = await session(60000 + k);
    return { ms: performance.now() - s, status: r.status };
  });
  const onlineMs = (await online, performance.now() - t0);
  await a.next((f) => f.type === "offer");
  const firstOffer = performance.now() - t0;
  const reals = await Promise.all(real);
  await new Promise((r) => setTimeout(r, 2000));
  const offers = a.frames.filter((f) => f.type === "offer").length;
  console.log(
    `flood of ${N} (${opened} opened), then the operator comes online: ` +
      `"online" answered in ${onlineMs.toFixed(0)} ms, first offer after ${firstOffer.toFixed(0)} ms, ` +
      `${offers} offers on her console 2 s later; 5 real visitors' sessions meanwhile: ` +
      `median ${median(reals.map((r) => r.ms)).toFixed(0)} ms, max ${Math.max(...reals.map((r) => r.ms)).toFixed(0)} ms ` +
      `(statuses ${reals.map((r) => r.status).join(",")})`,
  );
  a.close();
} finally {
  await edge.stop();
}
