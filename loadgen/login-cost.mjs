// The cost of a console login on a local edge (`node loadgen/login-cost.mjs`
// after `make build`): the median wall time of 7 good logins with a hash of
// today's cost (PBKDF2, 600,000 iterations in six chained rounds), and of
// refused logins against a hash of the old cost (100,000).
import { startEdge } from "../tests/e2e/harness.mjs";
import { api } from "../tests/e2e/client.mjs";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timed = async (body) => {
  const started = performance.now();
  const r = await api(edge.base, "POST", "/api/v1/auth/login", { body });
  return { ms: performance.now() - started, status: r.status };
};
const edge = await startEdge();
try {
  const today = [];
  for (let i = 0; i < 7; i++) {
    const r = await timed({ login: "anna", password: "openline-anna" });
    if (r.status !== 200) throw new Error(`login answered ${r.status}`);
    today.push(r.ms);
  }
  // Fewer than 5 failures in a row, so the account's lock never starts.
  const old = [];
  for (let i = 0; i < 4; i++) {
    await api(edge.base, "PUT", "/api/v1/dev/password-cost", { body: { login: "sveta", password: "openline-sveta", iterations: 100000 } });
    old.push((await timed({ login: "sveta", password: "wrong-wrong" })).ms);
  }
  console.log(`login at 600k: median ${median(today).toFixed(1)} ms; wrong password at 100k: median ${median(old).toFixed(1)} ms`);
} finally {
  await edge.stop();
}
