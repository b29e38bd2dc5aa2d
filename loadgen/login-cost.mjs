// The cost of a console login (PBKDF2 at 600,000 iterations, six chained
// rounds) on a local edge: `node loadgen/login-cost.mjs` after `make build`.
import { startEdge } from "../tests/e2e/harness.mjs";
import { api } from "../tests/e2e/client.mjs";
const edge = await startEdge();
const t = async (iters) => {
  await api(edge.base, "PUT", "/api/v1/dev/password-cost", { body: { login: "boris", password: "openline-boris", iterations: iters } });
  const xs = [];
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    const r = await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "anna", password: "openline-anna" } });
    xs.push(performance.now() - s);
    if (r.status !== 200) throw new Error(r.status);
  }
  xs.sort((a, b) => a - b);
  return xs[3].toFixed(1);
};
// anna: 600k; also time a 100k hash through a re-made account
const m600 = await t(600000);
await api(edge.base, "PUT", "/api/v1/dev/password-cost", { body: { login: "anna", password: "openline-anna", iterations: 100000 } });
// after one login it is re-hashed: time the single old-cost verify via a wrong password instead
const xs = [];
for (let i = 0; i < 4; i++) {
  await api(edge.base, "PUT", "/api/v1/dev/password-cost", { body: { login: "sveta", password: "openline-sveta", iterations: 100000 } });
  const s = performance.now();
  await api(edge.base, "POST", "/api/v1/auth/login", { body: { login: "sveta", password: "wrong-wrong" } });
  xs.push(performance.now() - s);
}
xs.sort((a, b) => a - b);
console.log(`login at 600k: median ${m600} ms; wrong password at 100k: median ${xs[1].toFixed(1)} ms`);
await edge.stop();
