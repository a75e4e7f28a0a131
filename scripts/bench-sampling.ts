// Per-token sampling cost at a 128k vocabulary: Sampler.sample / sampleToken for several parameter sets,
// then the whole per-token path the server scheduler runs for each sequence (Sequence.consume:
// sample, logprob, end-of-generation check, penalty window, detokenize, stop strings, and
// optionally top_logprobs). Rows are peaked like real logits: normal noise ×3 plus a few spikes.
// Single-threaded. Usage: npx tsx scripts/bench-sampling.ts [model.gguf for its tokenizer]
import { GgufFile } from "../src/gguf/gguf-file.js";
import { Sampler, type SamplingParams } from "../src/sampling/sampler.js";
import { Sequence, type GenerateSpec } from "../src/server/sequence.js";
import { Tokenizer } from "../src/tokenizer/tokenizer.js";

const N_VOCAB = 128256;
const N_ROWS = 16;
const MIN_MS = 1000;

/** Deterministic peaked rows (a 32-bit LCG feeding Box–Muller), so every run times the same data. */
function makeRows(): Float32Array[] {
  let state = 12345;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return Array.from({ length: N_ROWS }, () => {
    const row = new Float32Array(N_VOCAB);
    for (let i = 0; i < N_VOCAB; i++) row[i] = normal() * 3;
    for (let s = 0; s < 8; s++) row[Math.floor(uniform() * N_VOCAB)] = 12 + uniform() * 6;
    return row;
  });
}

/** Microseconds per call of `fn(row)`, cycling through the rows for at least MIN_MS. */
function time(rows: Float32Array[], fn: (row: Float32Array) => void): number {
  for (let i = 0; i < 2 * N_ROWS; i++) fn(rows[i % N_ROWS]!); // warm-up (JIT)
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_MS) {
    for (let i = 0; i < N_ROWS; i++) fn(rows[i]!);
    calls += N_ROWS;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1000) / calls;
}

const SAMPLER_CONFIGS: [string, SamplingParams][] = [
  ["default (top-k 40, top-p 0.95, min-p 0.05, temp 0.8)", { seed: 1 }],
  ["greedy (temperature 0)", { seed: 1, temperature: 0 }],
  ["penalties (repeat 1.1, freq 0.1, presence 0.1, last 64)", { seed: 1, repeatPenalty: 1.1, frequencyPenalty: 0.1, presencePenalty: 0.1 }],
  ["top-k off (top-p 0.95 over the full vocabulary)", { seed: 1, topK: 0 }],
  ["typical 0.9", { seed: 1, typicalP: 0.9 }],
  ["logit bias (2 tokens)", { seed: 1, logitBias: { 10: -Infinity, 20: 5 } }],
];

const rows = makeRows();
const prompt = Array.from({ length: 200 }, (_, i) => (i * 7919) % N_VOCAB);

console.log(`${N_VOCAB}-token rows, µs per token: Sampler.sample (token + logprob), Sampler.sampleToken (token only)`);
for (const [name, params] of SAMPLER_CONFIGS) {
  const withLogprob = new Sampler(params, N_VOCAB);
  const tokenOnly = new Sampler(params, N_VOCAB);
  for (const t of prompt) {
    withLogprob.accept(t);
    tokenOnly.accept(t);
  }
  const us = time(rows, (row) => withLogprob.accept(withLogprob.sample(row).token));
  const usToken = time(rows, (row) => tokenOnly.accept(tokenOnly.sampleToken(row)));
  console.log(`  ${us.toFixed(0).padStart(6)} ${usToken.toFixed(0).padStart(6)}  ${name}`);
}

const modelPath = process.argv[2] ?? ".cache/1b-q8_0.gguf";
const gguf = await GgufFile.open(modelPath);
const tokenizer = Tokenizer.fromMetadata(gguf.metadata);
if (tokenizer.nVocab !== N_VOCAB) throw new RangeError(`${modelPath} has ${tokenizer.nVocab} tokens, expected ${N_VOCAB}`);

const PATH_CONFIGS: [string, Partial<GenerateSpec>][] = [
  ["default sampling, no logprobs", { topLogprobs: null }],
  ["default sampling, logprobs + 5 top_logprobs", { topLogprobs: 5 }],
  ["default sampling, 2 stop strings", { topLogprobs: null, stop: ["\n\n", "User:"] }],
  ["greedy, no logprobs", { topLogprobs: null, sampling: { seed: 1, temperature: 0 } }],
];

console.log(`Sequence.consume (the scheduler's per-token path, µs per token, tokenizer of ${modelPath}):`);
for (const [name, overrides] of PATH_CONFIGS) {
  const spec: GenerateSpec = {
    kind: "generate",
    prompt,
    sampling: { seed: 1 },
    maxTokens: Number.MAX_SAFE_INTEGER,
    stop: [],
    ignoreEog: true,
    topLogprobs: null,
    ...overrides,
  };
  const seq = new Sequence(spec, tokenizer, N_VOCAB);
  seq.markAdmitted(0);
  const us = time(rows, (row) => seq.consume(row, 1 << 30));
  console.log(`  ${us.toFixed(0).padStart(6)}  ${name}`);
}
await gguf.close();
