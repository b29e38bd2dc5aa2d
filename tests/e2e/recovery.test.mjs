// Recovery of a deployment whose administrators all lost their passwords:
// the owner sets the Workers secret OPENLINE_RECOVERY_PASSWORD, logs in as
// the administrator with it, sets a new password and deletes the secret
// (SECURITY.md). Its own edge, started with that secret.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startEdge } from "./harness.mjs";
import { api, login } from "./client.mjs";

const RECOVERY = "recover-this-deployment";
let edge;
before(async () => {
  edge = await startEdge({ vars: { OPENLINE_RECOVERY_PASSWORD: RECOVERY } });
});
after(async () => edge?.stop());

const logIn = (loginName, password) => api(edge.base, "POST", "/api/v1/auth/login", { body: { login: loginName, password } });

test("the recovery secret restores the administrator, and only the administrator", async () => {
  const admin = await login(edge.base, "admin");
  // The only administrator's password is lost (set to something nobody knows).
  const lost = `lost-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const changed = await api(edge.base, "PATCH", `/api/v1/accounts/${admin.id}`, { token: admin.token, body: { password: lost } });
  assert.equal(changed.status, 200);
  assert.equal((await logIn("admin", "openline-admin")).status, 401);
  // The secret is no one else's key.
  assert.equal((await logIn("anna", RECOVERY)).status, 401);
  assert.equal((await logIn("admin", RECOVERY.toUpperCase())).status, 401);
  // The owner logs in with it: an active administrator again.
  const back = await logIn("admin", RECOVERY);
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.equal(back.body.account.role, "admin");
  assert.equal(back.body.account.id, admin.id, "the same account, not a new one");
  const accounts = await api(edge.base, "GET", "/api/v1/accounts", { token: back.body.token });
  assert.equal(accounts.status, 200);
  // They set a new password; it works.
  const fresh = await api(edge.base, "PATCH", `/api/v1/accounts/${admin.id}`, { token: back.body.token, body: { password: "a-new-admin-password" } });
  assert.equal(fresh.status, 200);
  assert.equal((await logIn("admin", "a-new-admin-password")).status, 200);
});
