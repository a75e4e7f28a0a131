#!/usr/bin/env node
// Load test for `llama-ts serve`: 1, 4, 16 and 32 concurrent streaming chat clients (by default)
// against a server on loopback → aggregate tokens/s, p50/p99 time to first token, and a check
// that no stream is dropped or garbled (each stream's text, or with --logprobs each token's bytes,
// must equal a solo greedy run of its prompt). Loopback only, bounded in requests and time; it starts and stops its own server
// unless --url points at one already running on this machine.
//
//   node scripts/load-test.mjs -m .cache/small.gguf [--levels 1,4,16,32] [--max-tokens 16] [--rounds 1]
//        [--logprobs] [--prompts 4] [--parallel 32] [--ctx-size 512] [--max-seconds 900] [--url http://127.0.0.1:8080]
// LLAMA_TS_KERNELS=js|wasm-simd|wasm-simd-threads picks the server's compute backend.
//
// Writes a JSON report to .cache/load-test-<time>.json and prints a table.

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values: opt } = parseArgs({
  options: {
    model: { type: "string", short: "m" },
    url: { type: "string" },
    levels: { type: "string", default: "1,4,16,32" },
    "max-tokens": { type: "string", default: "16" },
    prompts: { type: "string", default: "4" },
    parallel: { type: "string", default: "32" },
    "ctx-size": { type: "string", default: "512" },
    "max-seconds": { type: "string", default: "900" },
    rounds: { type: "string", default: "1" },
    // Token-level comparison through logprobs; it also makes the server compute a log-softmax over
    // the vocabulary for every token, which most clients never ask for.
    logprobs: { type: "boolean", default: false },
  },
});

const fail = (msg) => {
  console.error(`error: ${msg}`);
  process.exit(2);
};
const int = (name, min, max) => {
  const n = Number(opt[name]);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} takes an integer from ${min} to ${max}, got "${opt[name]}"`);
  return n;
};
const levels = opt.levels.split(",").map((s) => Number(s));
if (levels.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) fail(`--levels takes concurrency levels from 1 to 64, got "${opt.levels}"`);
const maxTokens = int("max-tokens", 1, 256);
const nPrompts = int("prompts", 1, 16);
const parallel = int("parallel", 1, 64);
const ctxSize = int("ctx-size", 64, 8192);
const deadline = Date.now() + int("max-seconds", 10, 3600) * 1000;
const rounds = int("rounds", 1, 10);
if (!opt.url && !opt.model) fail("give -m <model.gguf> (the script starts its own server) or --url of a running one");

// ---- the server -------------------------------------------------------------------------------
let server;
let base = opt.url;
if (base) {
  const host = new URL(base).hostname.replace(/^\[|\]$/g, "");
  if (!(host === "localhost" || host === "::1" || host.startsWith("127."))) fail(`--url must be a loopback address, got "${host}"`);
} else {
  const port = 20000 + Math.floor(Math.random() * 20000);
  server = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", "-m", opt.model, "--port", String(port),
    "--parallel", String(parallel), "--ctx-size", String(ctxSize), "--max-queue", "128", "--rate-limit", "0", "--alias", "load"], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr.on("data", (d) => (log += d));
  base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (server.exitCode !== null) fail(`the server exited: ${log.trim()}`);
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() - started > 300_000) fail("the server did not start within 5 minutes");
    await new Promise((r) => setTimeout(r, 200));
  }
}
const stopServer = () => server?.kill("SIGTERM");
process.on("exit", stopServer);
process.on("SIGINT", () => process.exit(130));
const model = (await (await fetch(`${base}/v1/models`)).json()).data[0].id;

// ---- one streaming client -------------------------------------------------------------------
const prompts = Array.from({ length: nPrompts }, (_, i) => `Tell me a story about the number ${i + 1}.`);

/**
 * Streams one chat completion; returns what identifies its output (the text, or each token's bytes
 * with --logprobs), its token count, TTFT and whether the stream was well formed.
 */
async function client(promptIndex) {
  const started = performance.now();
  const out = { prompt: promptIndex, tokens: [], text: "", count: 0, ttftMs: NaN, ms: 0, ok: false, problem: "" };
  const remaining = deadline - Date.now();
  if (remaining <= 0) return { ...out, problem: "time budget exhausted" };
  try {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: prompts[promptIndex] }], max_tokens: maxTokens, temperature: 0, ignore_eos: true, logprobs: opt.logprobs, stream: true, stream_options: { include_usage: true } }),
      signal: AbortSignal.timeout(remaining),
    });
    if (!res.ok) return { ...out, problem: `HTTP ${res.status}: ${await res.text()}` };
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    let done = false;
    let finish = null;
    while (!done) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buf += dec.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) !== -1) {
        const event = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        if (!event.startsWith("data: ")) throw new Error(`malformed event ${JSON.stringify(event.slice(0, 80))}`);
        const data = event.slice(6);
        if (data === "[DONE]") {
          done = true;
          break;
        }
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        if (chunk.usage) out.count = chunk.usage.completion_tokens;
        const c = chunk.choices[0];
        for (const e of c?.logprobs?.content ?? []) {
          if (Number.isNaN(out.ttftMs)) out.ttftMs = performance.now() - started;
          out.tokens.push(e.bytes.join(","));
        }
        if (c?.delta?.content) {
          if (Number.isNaN(out.ttftMs)) out.ttftMs = performance.now() - started;
          out.text += c.delta.content;
        }
        if (c?.finish_reason) finish = c.finish_reason;
      }
    }
    out.ms = performance.now() - started;
    if (!done) return { ...out, problem: "stream ended without [DONE]" };
    if (finish !== "length") return { ...out, problem: `finish_reason ${finish}` };
    if (opt.logprobs && out.tokens.length !== maxTokens) return { ...out, problem: `${out.tokens.length} tokens with logprobs instead of ${maxTokens}` };
    if (out.count !== maxTokens) return { ...out, problem: `usage says ${out.count} tokens instead of ${maxTokens}` };
    return { ...out, ok: true };
  } catch (err) {
    return { ...out, ms: performance.now() - started, problem: String(err.message ?? err) };
  }
}

/** What must be equal between a stream and the solo run of its prompt. */
const signature = (r) => (opt.logprobs ? r.tokens.join("|") : r.text);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

// ---- reference runs, then the levels ----------------------------------------------------------
console.error(`load test: ${base}, model "${model}", ${maxTokens} tokens per stream, ${nPrompts} prompts, levels ${levels.join(", ")}`);
const reference = [];
for (let p = 0; p < nPrompts; p++) {
  const r = await client(p);
  if (!r.ok) fail(`reference run for prompt ${p} failed: ${r.problem}`);
  reference.push(signature(r));
}
// Levels run in rounds (1, 4, 16, 32, then again …) so that load from elsewhere on the machine
// spreads over all levels; each level reports the median aggregate over its rounds.
const runsByLevel = new Map(levels.map((l) => [l, []]));
for (let round = 0; round < rounds; round++) {
  for (const level of levels) {
    if (Date.now() > deadline) break;
    const t0 = performance.now();
    const runs = await Promise.all(Array.from({ length: level }, (_, i) => client(i % nPrompts)));
    const wall = performance.now() - t0;
    runsByLevel.get(level).push({ runs, wall });
    const tokens = runs.reduce((s, r) => s + r.count, 0);
    console.error(`round ${round + 1}, ${level} clients: ${(tokens / (wall / 1000)).toFixed(2)} tok/s aggregate, ${runs.filter((r) => !r.ok).length} dropped`);
  }
}
if (Date.now() > deadline) console.error("time budget exhausted: later rounds or levels were skipped");
const results = [];
for (const [level, rs] of runsByLevel) {
  if (rs.length === 0) continue;
  const all = rs.flatMap((r) => r.runs);
  const rates = rs.map((r) => r.runs.reduce((s, x) => s + x.count, 0) / (r.wall / 1000));
  const ttft = all.filter((r) => !Number.isNaN(r.ttftMs)).map((r) => r.ttftMs);
  results.push({
    clients: level,
    rounds: rs.length,
    tokens: all.reduce((s, r) => s + r.count, 0),
    wallSeconds: rs.reduce((s, r) => s + r.wall, 0) / 1000,
    aggregateTokensPerSecond: quantile(rates, 0.5),
    aggregateTokensPerSecondRounds: rates,
    ttftP50Ms: quantile(ttft, 0.5),
    ttftP99Ms: quantile(ttft, 0.99),
    dropped: all.filter((r) => !r.ok).length,
    garbled: all.filter((r) => r.ok && signature(r) !== reference[r.prompt]).length,
    garbledExamples: all.filter((r) => r.ok && signature(r) !== reference[r.prompt]).slice(0, 3).map((r) => ({ prompt: r.prompt, got: signature(r), want: reference[r.prompt] })),
    problems: [...new Set(all.filter((r) => !r.ok).map((r) => r.problem))],
  });
}

const metrics = await (await fetch(`${base}/metrics`)).text();
const one = results.find((r) => r.clients === 1);
const sixteen = results.find((r) => r.clients === 16);
const report = {
  date: new Date().toISOString(),
  model: opt.model ?? model,
  maxTokens,
  logprobs: opt.logprobs,
  parallel,
  ctxSize,
  results,
  ratio16vs1: one && sixteen ? sixteen.aggregateTokensPerSecond / one.aggregateTokensPerSecond : null,
  meanBatch: (() => {
    const steps = Number(/^llamats_steps_total (\d+)/m.exec(metrics)?.[1]);
    const seqs = Number(/^llamats_batch_sequences_total (\d+)/m.exec(metrics)?.[1]);
    return steps ? seqs / steps : null;
  })(),
};
mkdirSync(`${root}.cache`, { recursive: true });
const file = `${root}.cache/load-test-${Date.now()}.json`;
writeFileSync(file, JSON.stringify(report, null, 2));

console.log("| clients | rounds | tokens | aggregate tok/s (median) | TTFT p50 ms | TTFT p99 ms | dropped | garbled |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of results) {
  console.log(`| ${r.clients} | ${r.rounds} | ${r.tokens} | ${r.aggregateTokensPerSecond.toFixed(2)} | ${r.ttftP50Ms.toFixed(0)} | ${r.ttftP99Ms.toFixed(0)} | ${r.dropped} | ${r.garbled} |`);
}
if (report.ratio16vs1) console.log(`\n16-client aggregate / single stream: ${report.ratio16vs1.toFixed(2)}×`);
console.log(`report: ${file}`);
stopServer();
process.exit(results.some((r) => r.dropped || r.garbled) ? 1 : 0);
