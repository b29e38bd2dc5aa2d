// docs/openapi.json matches the worker: every documented operation is a
// route the edge knows (it may refuse us, but never with "no such route"),
// an undocumented one is refused as unknown, and what each operation really
// answers — its status and its body — is what the document says.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { ROOT, startEdge } from "./harness.mjs";
import { login, visitor } from "./client.mjs";

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

/**
 * The documented response of an operation for `status` (else `default`),
 * `$ref`s followed: whether the status is listed, the response, and its
 * JSON pointer in the document (for the validator).
 */
function documented(path, method, status) {
  const op = spec.paths[path][method];
  const listed = Boolean(op.responses[String(status)]);
  const key = listed ? String(status) : "default";
  let pointer = `#/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}/responses/${key}`;
  let response = op.responses[key];
  const seen = new Set();
  while (response?.$ref && !seen.has(response.$ref)) {
    seen.add(response.$ref);
    pointer = response.$ref;
    response = pointer.split("/").slice(1).reduce((o, k) => o?.[k], spec);
  }
  return { listed, response, pointer };
}

test("every operation answers with a status and a body its description allows (success and refusals alike)", async () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(spec, "openapi.json");
  const admin = await login(edge.base, "admin");
  const v = await visitor(edge.base, "demo");
  const creds = (op) => {
    const kinds = (op.security ?? spec.security ?? []).flatMap((s) => Object.keys(s));
    if (kinds.includes("visitorBearer")) return { Authorization: `Bearer ${v.token}` };
    if (kinds.includes("apiKey")) return { "X-Api-Key": "test-api-key" };
    if (kinds.includes("bearer")) return { Authorization: `Bearer ${admin.token}` };
    return {};
  };
  const skip = new Set([
    "POST /api/v1/dev/seed", // side effects on the shared edge
    "DELETE /api/v1/lines/{line}", // would delete the demo line the others use
    "POST /api/v1/auth/logout", // would end the administrator's session
    "GET /api/v1/lines/{line}/ws", // a socket, not a JSON answer
    "GET /api/v1/visitor/ws",
  ]);
  const problems = [];
  let checked = 0;
  let successes = 0;
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method];
      if (!op || skip.has(`${method.toUpperCase()} ${path}`)) continue;
      const url = edge.base + path.replace("{line}", "demo").replace(/\{[^}]+\}/g, "unknown-id");
      const r = await fetch(url, {
        method: method.toUpperCase(),
        headers: { "Content-Type": "application/json", ...creds(op) },
        body: method === "get" || method === "delete" ? undefined : "{}",
      });
      const text = await r.text();
      const where = `${method.toUpperCase()} ${path} → ${r.status}`;
      const { listed, response, pointer } = documented(path, method, r.status);
      if (!listed && !(r.status >= 400 && op.responses.default)) {
        problems.push(`${where}: status not documented`);
        continue;
      }
      const schema = response?.content?.["application/json"]?.schema;
      if (!schema || !text) continue;
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        problems.push(`${where}: not JSON`);
        continue;
      }
      const validate = ajv.getSchema(`openapi.json${pointer}/content/application~1json/schema`);
      checked += 1;
      if (r.status < 300) successes += 1;
      if (!validate(body)) problems.push(`${where}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 200)}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 40, `only ${checked} answers checked`);
  assert.ok(successes >= 15, `only ${successes} successful answers checked`);
});

