#!/usr/bin/env node
// Bundles the browser entry (src/browser/index.ts → llama.js) and the ready-made Web Worker
// (src/browser/worker.ts → worker.js) as ES modules with esbuild. Dynamic imports of Node
// built-ins stay external (they sit behind Node-only branches: local files, core counts); a static
// import of one (Node's worker_threads pool) becomes a stub whose every export throws a clear
// error if a browser ever reaches it. The WebAssembly kernels are fetched at run time from
// ../wasm/kernels-simd.wasm relative to the bundle: serve dist/ with dist/wasm beside dist/browser.
// Usage: node scripts/build-browser.mjs [--outdir dist/browser]
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Static imports of node:* → a throwing stub; dynamic ones stay external. */
const nodeBuiltinsForBrowser = {
  name: "node-builtins-for-browser",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === "dynamic-import" ? { path: args.path, external: true } : { path: args.path, namespace: "node-stub" },
    );
    b.onLoad({ filter: /.*/, namespace: "node-stub" }, (args) => ({
      loader: "js",
      contents: `const fail = () => { throw new Error(${JSON.stringify(`${args.path} is not available in browsers`)}); };
module.exports = new Proxy({}, { get: (_, key) => (key === "__esModule" ? false : fail) });`,
    }));
  },
};

export async function buildBrowser(outdir = join(root, "dist/browser")) {
  const result = await build({
    entryPoints: { llama: join(root, "src/browser/index.ts"), worker: join(root, "src/browser/worker.ts") },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    plugins: [nodeBuiltinsForBrowser],
    metafile: true,
    logLevel: "warning",
  });
  // No static import of a Node built-in may be left in the browser bundle.
  for (const [file, out] of Object.entries(result.metafile.outputs)) {
    const bad = out.imports.filter((i) => i.path.startsWith("node:") && i.kind !== "dynamic-import");
    if (bad.length > 0) throw new Error(`${file} imports Node built-ins statically: ${bad.map((i) => i.path).join(", ")}`);
  }
  const stubbed = Object.keys(result.metafile.inputs).filter((p) => p.startsWith("node-stub:"));
  if (stubbed.length > 0) console.warn(`browser bundle: stubbed Node-only imports ${stubbed.map((p) => p.slice(10)).join(", ")}`);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--outdir");
  const outdir = i > 0 ? process.argv[i + 1] : undefined;
  const result = await buildBrowser(outdir);
  for (const [file, out] of Object.entries(result.metafile.outputs)) {
    if (file.endsWith(".js")) console.log(`${file}: ${(out.bytes / 1024).toFixed(0)} KiB`);
  }
}
