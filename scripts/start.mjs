#!/usr/bin/env node
// `npm start`: the embedded default model (models/llama-ts-default.gguf, trained by this project)
// with no download. In a terminal it opens `llama-ts chat`; otherwise (CI, pipes) it answers a few
// demo questions and exits. `npm start -- "your question"` asks one question; `npm start -- serve`
// serves the chat page and the OpenAI-compatible API at http://127.0.0.1:8080.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = `${root}dist/cli/main.js`;
const model = `${root}models/llama-ts-default.gguf`;
for (const [path, hint] of [
  [cli, "run `npm ci` (or `npm run build`) first"],
  [model, "the default model ships with the repository; rebuild it with `npm run train:default`"],
]) {
  if (!existsSync(path)) {
    console.error(`error: ${path} is missing\nhint: ${hint}`);
    process.exit(1);
  }
}
const run = (args, input) => {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: [input === undefined ? "inherit" : "pipe", "inherit", "inherit"], input });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const [first, ...rest] = process.argv.slice(2);
if (first === "serve") run(["serve", ...rest]);
else if (first !== undefined) run(["chat", "--temp", "0", "-n", "128"], `${[first, ...rest].join(" ")}\n`);
else if (process.stdin.isTTY && process.stdout.isTTY) {
  console.error("llama.ts with its embedded default model (a small Llama trained by this project; see models/llama-ts-default.md).");
  console.error("Try: What is 6 times 7? · What is the capital of Peru? · How many grams are in 3 kilograms?");
  run(["chat"]);
} else {
  console.error("llama.ts embedded default model (models/llama-ts-default.gguf), greedy answers:");
  for (const q of ["What is 6 times 7?", "What is the capital of Peru?", "How many grams are in 3 kilograms?"]) {
    process.stdout.write(`> ${q}\n`);
    run(["chat", "--temp", "0", "-n", "64"], `${q}\n`);
  }
  console.error("In a terminal, `npm start` opens a chat; `npm start -- serve` serves the chat page at http://127.0.0.1:8080");
}
