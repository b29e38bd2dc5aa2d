// Removes wasm exports that no page can use, and the code only they reach.
//
// Why: leptos always links `server_fn`, whose `wasm-streams` dependency
// exports three JS classes (IntoUnderlying{Source,ByteSource,Sink}) from
// every Leptos app. Exports are roots, so no optimizer drops them; this
// hands binaryen's wasm-metadce a graph where every other export is a root.
//
// Usage: node scripts/wasm-dce.mjs FILE.wasm   (rewrites FILE.wasm)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const UNUSED = /intounderlying/i;
const file = process.argv[2];
if (!file) {
  console.error("usage: node scripts/wasm-dce.mjs FILE.wasm");
  process.exit(2);
}
const exports = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(file)));
const graph = exports
  .filter((e) => !UNUSED.test(e.name))
  .map((e, i) => ({ name: `export${i}`, export: e.name, root: true }));
const dir = mkdtempSync(join(tmpdir(), "wasm-dce-"));
try {
  const graphFile = join(dir, "graph.json");
  writeFileSync(graphFile, JSON.stringify(graph));
  // metadce prints what it removed ("unused: …"); that is not news.
  execFileSync("wasm-metadce", [file, "-f", graphFile, "-o", file], { stdio: ["ignore", "ignore", "inherit"] });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`[build] ${file}: dropped ${exports.length - graph.length} unused exports`);
