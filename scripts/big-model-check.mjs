#!/usr/bin/env node
// Proves a model larger than one 4 GiB WebAssembly memory loads and runs: synthesizes the
// Llama-3.2-1B shape in F32 (4.9 GB, Llama 3 vocabulary) into .cache/ once, loads it with the
// WebAssembly kernels on 2 threads (the weights then span two memory shards), and checks against
// llama.cpp (node-llama-cpp) on the same file: identical greedy tokens and log-probabilities of a
// fixed sequence within the conformance suite's float tolerance. Reports load time, shards and
// peak RSS against file size + KV cache. Each side runs in its own process. Needs `npm run build`.
// Usage: node scripts/big-model-check.mjs [--model path.gguf]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const at = args.indexOf("--model");
const model = at >= 0 ? args[at + 1] : `${root}.cache/1b-f32.gguf`;
const side = args.includes("--side") ? args[args.indexOf("--side") + 1] : undefined;
const N_CTX = 64;
const SEQ = [128000, ...Array.from({ length: 23 }, (_, i) => 1000 + ((i * 7919 + 11) % 100000))];
const PROMPT = SEQ.slice(0, 8);
const N_GEN = 8;

if (side === "ours") {
  const { loadModel } = await import(`${root}dist/index.js`);
  const t0 = performance.now();
  const m = await loadModel(model, { threads: 2 });
  const loadS = (performance.now() - t0) / 1000;
  const ctx = m.createContext({ nCtx: N_CTX });
  const rows = m.logits(SEQ, { all: true, context: ctx });
  const logp = rows.slice(0, -1).map((row, i) => logSoftmaxAt(row, SEQ[i + 1]));
  const gen = await m.complete(PROMPT, { maxTokens: N_GEN, temperature: 0, ignoreEog: true });
  const out = { loadS, shards: m.kernels.shardCount, kernels: m.kernels.name, kvBytes: ctx.cache.byteSize, tokens: gen.tokens, logp, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  m.dispose();
  console.log(JSON.stringify(out));
} else if (side === "llama.cpp") {
  const { getLlama } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
  const m = await llama.loadModel({ modelPath: model, gpuLayers: 0 });
  const ctx = await m.createContext({ contextSize: N_CTX * 4, threads: 2, flashAttention: false });
  const seq = ctx.getSequence();
  const res = await seq.controlledEvaluate(SEQ.map((t) => [t, { generateNext: { probabilities: true } }]));
  const logp = res.slice(0, -1).map((r, i) => Math.log(r.next.probabilities.get(SEQ[i + 1]) ?? 0));
  await seq.clearHistory();
  const tokens = [];
  for await (const t of seq.evaluate(PROMPT, { temperature: 0 })) {
    tokens.push(t);
    if (tokens.length >= N_GEN) break;
  }
  console.log(JSON.stringify({ tokens, logp }));
  await ctx.dispose();
  await m.dispose();
  await llama.dispose();
} else {
  if (!existsSync(`${root}dist/cli/main.js`)) {
    console.error("error: dist/ is missing\nhint: run `npm run build` first");
    process.exit(1);
  }
  if (!existsSync(model)) {
    mkdirSync(`${root}.cache`, { recursive: true });
    console.error(`Synthesizing the Llama-3.2-1B shape in F32 into ${model} (4.9 GB, once)…`);
    run([`${root}dist/cli/main.js`, "synth", "-o", model, "--preset", "1b", "--type", "F32", "--vocab", "llama3", "--seed", "5"]);
  }
  const size = statSync(model).size;
  console.error(`model: ${model} (${(size / 2 ** 30).toFixed(2)} GiB)`);
  const ours = JSON.parse(run([fileURLToPath(import.meta.url), "--side", "ours", "--model", model]).trim().split("\n").pop());
  const ref = JSON.parse(run([fileURLToPath(import.meta.url), "--side", "llama.cpp", "--model", model]).trim().split("\n").pop());
  const d = ours.logp.map((x, i) => Math.abs(x - ref.logp[i]));
  const maxD = Math.max(...d);
  const meanD = d.reduce((a, b) => a + b, 0) / d.length;
  const sameTokens = JSON.stringify(ours.tokens) === JSON.stringify(ref.tokens);
  const budgetMb = (size + ours.kvBytes) * 1.1 / 2 ** 20;
  const report = {
    fileGiB: +(size / 2 ** 30).toFixed(2), kernels: ours.kernels, shards: ours.shards, loadS: +ours.loadS.toFixed(1),
    peakRssMb: Math.round(ours.peakRssMb), rssBudgetMb: Math.round(budgetMb), greedyTokens: ours.tokens, llamaCppTokens: ref.tokens,
    sameGreedyTokens: sameTokens, meanAbsDeltaLogp: +meanD.toExponential(2), maxAbsDeltaLogp: +maxD.toExponential(2),
  };
  console.log(JSON.stringify(report, null, 2));
  const ok = size > 4 * 2 ** 30 && ours.shards >= 2 && sameTokens && maxD < 0.03 && ours.peakRssMb <= budgetMb;
  console.log(ok ? "OK: the >4 GiB model ran across WebAssembly memories and matched llama.cpp" : "FAILED");
  process.exit(ok ? 0 : 1);
}

function run(argv) {
  const r = spawnSync(process.execPath, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.error(`error: ${argv.slice(0, 4).join(" ")} failed with exit code ${r.status}`);
    process.exit(1);
  }
  return r.stdout;
}

function logSoftmaxAt(row, k) {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return row[k] - max - Math.log(sum);
}
