// Shared harness of the end-to-end tests: a real `wrangler dev` (workerd)
// with fresh Durable Object storage, and headless Debian Chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `wrangler dev` on a free port; resolves once /api/v1/health answers. */
export async function startEdge({ persistDir, timeScale = 60, seed = true, vars = {}, logLevel = "warn" } = {}) {
  const port = await freePort();
  const persist = persistDir ?? mkdtempSync(join(tmpdir(), "openline-state-"));
  const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");
  const child = spawn(
    wrangler,
    [
      "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persist, "--log-level", logLevel,
      // Local-development mode: demo seed on, core time 60× faster (a
      // minute-long timer passes in a second). A deployed worker ignores both.
      "--var", "OPENLINE_DEV:1", "--var", `OPENLINE_TIME_SCALE:${timeScale}`,
      "--var", "OPENLINE_API_KEY:test-api-key",
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    {
      cwd: join(ROOT, "edge"),
      // No fetch of the `request.cf` sample (offline it waits 3 s and warns).
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const r = await fetch(`${base}/api/v1/health`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`wrangler dev did not become ready in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (seed) {
    const r = await fetch(`${base}/api/v1/dev/seed`, { method: "POST" });
    if (!r.ok) throw new Error(`seeding failed: ${r.status} ${await r.text()}\n${output}`);
  }
  return {
    base,
    persist,
    timeScale,
    output: () => output,
    /** Stops the process group (wrangler and its workerd). */
    async stop({ keepState = false, signal = "SIGTERM" } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        try {
          process.kill(-child.pid, signal);
        } catch {
          /* already gone */
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
      if (!keepState && !persistDir) rmSync(persist, { recursive: true, force: true });
    },
  };
}

/** Launches headless Debian Chromium with the flags this machine needs. */
export async function launchBrowser({ timezoneId } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), "openline-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    ...(timezoneId ? { timezoneId } : {}),
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Pages that a test serves itself (`page.route`, e.g. a host site's
      // account page) have no address; Chromium would then refuse their
      // sockets to 127.0.0.1 as "local network access".
      "--disable-features=LocalNetworkAccessChecks",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot for human review in tests/screenshots/ (ignored by git). */
export async function screenshot(page, name) {
  const { mkdirSync } = await import("node:fs");
  const dir = join(ROOT, "tests", "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
