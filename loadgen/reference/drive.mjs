// Cloudflare's reference chat app (workers-chat-demo) under the same paced
// load as `loadgen/bench.sh`: N rooms of 2 users, each sends K messages, one
// a second; prints workerd CPU (both processes of its wrangler, /proc) per
// delivered message, and p50/p99 latency. Usage (docs/perf.md, "Against the
// reference"):
//   REF_DIR=/path/to/workers-chat-demo node loadgen/reference/drive.mjs 100 20
import { spawn, execSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { default: WebSocket } = await import(join(ROOT, "node_modules", "ws", "index.js"));
const N = Number(process.argv[2] ?? 100), K = Number(process.argv[3] ?? 20), PORT = 8795;
const STATE = "/tmp/openline-reference-state";
rmSync(STATE, { recursive: true, force: true });
const wr = spawn(join(ROOT, "node_modules", ".bin", "wrangler"), ["dev", "--ip", "127.0.0.1", "--port", String(PORT), "--persist-to", STATE], { cwd: process.env.REF_DIR, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } });
let out = ""; wr.stdout.on("data", (d) => (out += d)); wr.stderr.on("data", (d) => (out += d));
for (;;) { try { const r = await fetch(`http://127.0.0.1:${PORT}/`); if (r.ok) break; } catch {} await new Promise((r) => setTimeout(r, 300)); }
await new Promise((r) => setTimeout(r, 1000));
const pids = execSync(`pgrep -x workerd -g ${wr.pid}`).toString().trim().split("\n").map(Number);
const tck = Number(execSync("getconf CLK_TCK").toString());
const cpuOf = (p) => { const f = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / tck; };
const cpu = () => pids.reduce((s, p) => s + cpuOf(p), 0);
const lat = []; let delivered = 0;
const user = (room, who, ip) => new Promise((resolve) => {
  const ws = new WebSocket(`ws://127.0.0.1:${PORT}/api/room/${room}/websocket`, { headers: { "CF-Connecting-IP": ip } });
  ws.on("open", () => ws.send(JSON.stringify({ name: who })));
  ws.on("message", (m) => { const d = JSON.parse(m); if (d.ready) resolve(ws); if (d.message && d.name !== who) { delivered++; lat.push(Date.now() - Number(d.message.split(":")[1])); } });
});
const rooms = await Promise.all(Array.from({ length: N }, async (_, i) => {
  const room = `r${i}x${Date.now() % 100000}`;
  return [await user(room, "a", `198.18.1.${i % 250}`), await user(room, "b", `198.18.2.${i % 250}`)];
}));
const c0 = cpu(); const each0 = pids.map(cpuOf); const t0 = Date.now();
await Promise.all(rooms.flatMap(([a, b]) => [a, b].map(async (ws) => {
  await new Promise((r) => setTimeout(r, Math.random() * 1000));
  for (let k = 0; k < K; k++) { ws.send(JSON.stringify({ message: `m:${Date.now()}` })); await new Promise((r) => setTimeout(r, 1000)); }
})));
await new Promise((r) => setTimeout(r, 2000));
const c1 = cpu(); const each = pids.map((p, i) => `${p}: ${(cpuOf(p) - each0[i]).toFixed(2)} s`).join(", ");
lat.sort((a, b) => a - b);
console.log(`reference: ${N} rooms, ${delivered} of ${N * 2 * K} delivered in ${((Date.now() - t0) / 1000).toFixed(1)} s; CPU ${(c1 - c0).toFixed(2)} s = ${(((c1 - c0) * 1000) / delivered).toFixed(3)} ms per delivered message (${each}); p50 ${lat[lat.length >> 1]} p99 ${lat[Math.floor(lat.length * 0.99)]} ms`);
rooms.flat().forEach((w) => w.close());
process.kill(-wr.pid, "SIGTERM");
process.exit(0);
