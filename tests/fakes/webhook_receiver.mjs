// A local webhook receiver for the tests (issue 13): it checks every
// delivery's `Openline-Signature` the way docs/webhooks.md tells a real
// receiver to (HMAC-SHA256 of "t.body" with the subscription's secret,
// compared in constant time, t within five minutes), records what came,
// and can be told to answer with an error for a while. Never reaches the
// internet.
import { createServer } from "node:http";
import { createHmac, timingSafeEqual } from "node:crypto";

/** Whether `header` signs `body` with `secret` (and is fresh). */
export function verifySignature(header, secret, body, now = Date.now() / 1000, toleranceS = 300) {
  const parts = Object.fromEntries(
    String(header ?? "")
      .split(",")
      .map((p) => p.trim().split("="))
      .filter((p) => p.length === 2),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(now - t) > toleranceS || !parts.v1) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Starts a receiver on a free local port. `secrets` maps a path (one per
 * subscription) to its secret, filled in by the test once it knows it.
 */
export async function startReceiver() {
  const state = {
    secrets: {},
    /** Every request: { path, headers, body, json, verified, status }. */
    got: [],
    /** Answers with this status for the next `failures` requests. */
    failures: 0,
    failWith: 500,
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const secret = state.secrets[req.url];
      const verified = secret !== undefined && verifySignature(req.headers["openline-signature"], secret, body);
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      let status = verified ? 200 : 401;
      if (verified && state.failures > 0) {
        state.failures -= 1;
        status = state.failWith;
      }
      state.got.push({ path: req.url, headers: req.headers, body, json, verified, status });
      res.writeHead(status, { "Content-Type": "text/plain" }).end(status === 200 ? "ok" : "no");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  state.url = (path) => `http://127.0.0.1:${server.address().port}${path}`;
  state.close = () => new Promise((r) => server.close(r));
  /** The verified events that reached `path`, in order. */
  state.events = (path) => state.got.filter((g) => g.path === path && g.verified && g.status === 200).map((g) => g.json);
  return state;
}
