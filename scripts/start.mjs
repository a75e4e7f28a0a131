#!/usr/bin/env node
// `npm start`: until the project's embedded default model exists, synthesize a small Llama with
// random weights and the real Llama 3.1 tokenizer (once, into .cache/), then generate from it.
// The text is gibberish by design: it shows the whole pipeline running, not a trained model.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = `${root}dist/cli/main.js`;
const model = `${root}.cache/start-small-q8_0.gguf`;
const run = (args) => {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (!existsSync(cli)) {
  console.error("error: dist/ is missing\nhint: run `npm ci` (or `npm run build`) first");
  process.exit(1);
}
if (!existsSync(model)) {
  mkdirSync(`${root}.cache`, { recursive: true });
  console.error("No embedded default model yet: synthesizing a small random-weight Llama (Llama 3.1 tokenizer) once…");
  run(["synth", "-o", model, "--preset", "small", "--type", "Q8_0", "--vocab", "llama3"]);
}
const prompt = process.argv[2] ?? "The quick brown fox";
console.error(`llama-ts run -m ${model} -p ${JSON.stringify(prompt)} -n 32 --seed 2 -v`);
run(["run", "-m", model, "-p", prompt, "-n", "32", "--seed", "2", "-v"]);
