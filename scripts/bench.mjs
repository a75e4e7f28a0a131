#!/usr/bin/env node
// `npm run bench`: the documented default benchmark. Synthesizes the Llama-3.2-1B shape into
// .cache/ once per type (about two minutes each), then runs
//   llama-ts bench -m .cache/1b-<type>.gguf -p 128 -n 64 -t 2 --vs-llama-cpp
// for each type. Usage: npm run bench [-- --types Q8_0,Q4_0,Q4_K,Q6_K,F16] [extra bench flags]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = `${root}dist/cli/main.js`;
if (!existsSync(cli)) {
  console.error("error: dist/ is missing\nhint: run `npm ci` (or `npm run build`) first");
  process.exit(1);
}
const args = process.argv.slice(2);
let types = ["Q8_0"];
const at = args.indexOf("--types");
if (at >= 0) {
  types = (args[at + 1] ?? "").split(",").filter(Boolean);
  args.splice(at, 2);
}
const run = (argv) => {
  const r = spawnSync(process.execPath, [cli, ...argv], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
mkdirSync(`${root}.cache`, { recursive: true });
for (const type of types) {
  const model = `${root}.cache/1b-${type.toLowerCase()}.gguf`;
  if (!existsSync(model)) {
    console.error(`Synthesizing the Llama-3.2-1B shape as ${type} into ${model} (once)…`);
    run(["synth", "-o", model, "--preset", "1b", "--type", type, "--vocab", "llama3"]);
  }
  run(["bench", "-m", model, "-p", "128", "-n", "64", "-t", "2", "--vs-llama-cpp", ...args]);
}
