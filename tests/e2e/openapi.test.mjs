// docs/openapi.json matches the worker: every documented operation is a
// route the edge knows (it may refuse us, but never with "no such route"),
// and an undocumented one is refused as unknown.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startEdge } from "./harness.mjs";

const spec = JSON.parse(readFileSync(join(ROOT, "docs", "openapi.json"), "utf8"));
let edge;
before(async () => {
  edge = await startEdge();
});
after(async () => edge?.stop());

test("every operation of docs/openapi.json exists on the edge", async () => {
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      if (item[method]) ops.push([method.toUpperCase(), path]);
    }
  }
  assert.ok(ops.length >= 40, `only ${ops.length} operations documented`);
  const unknown = [];
  for (const [method, path] of ops) {
    if (path === "/api/v1/dev/seed") continue; // re-seeding is harmless but skip side effects
    const url = edge.base + path.replace(/\{[^}]+\}/g, "demo");
    const r = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json" },
      body: method === "GET" || method === "DELETE" ? undefined : "{}",
    });
    const body = await r.text();
    if (r.status === 404 && body.includes("no such API route")) unknown.push(`${method} ${path}`);
  }
  assert.deepEqual(unknown, []);
  const r = await fetch(`${edge.base}/api/v1/not-a-route`);
  assert.equal(r.status, 404);
  assert.match(await r.text(), /no such API route/);
});

test("the first administrator comes from the OPENLINE_ADMIN_PASSWORD secret, and no demo accounts exist without the seed", async () => {
  const fresh = await startEdge({ seed: false, vars: { OPENLINE_ADMIN_PASSWORD: "first-admin-secret" } });
  try {
    const demo = await fetch(`${fresh.base}/api/v1/auth/login`, { method: "POST", body: JSON.stringify({ login: "anna", password: "openline-anna" }) });
    assert.equal(demo.status, 401);
    const r = await fetch(`${fresh.base}/api/v1/auth/login`, { method: "POST", body: JSON.stringify({ login: "admin", password: "first-admin-secret" }) });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.account.role, "admin");
  } finally {
    await fresh.stop();
  }
});
