// Conformance with llama.cpp (node-llama-cpp 3.21.1): on generated models covering every tensor
// type, GQA and MHA, tied and untied embeddings, rope scaling on and off, 32- and 64-wide heads,
// and the llama3, SentencePiece and byte vocabularies, our log-probabilities at every position of
// a fixed 64-token sequence must match llama.cpp's within per-type tolerances, and the argmax must
// agree wherever llama.cpp's top-2 margin exceeds 0.2.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { SynthOptions } from "../../src/synth/synth.js";
import { compareLogprobs, formatStats, STATS_HEADER } from "./compare.js";
import { cachedModel } from "./models.js";
import { referenceLlama } from "./reference.js";

interface Case {
  id: string;
  opts: SynthOptions;
  /** Tolerances on |Δ log p(next token)| (mean, max) and mean KL(llama.cpp ‖ ours). */
  tol: { mean: number; max: number; kl: number };
}

// Measured (see the closing table this test prints): float types ≤ 2e-3 mean, quantized ≤ 1.2e-2.
const FLOAT = { mean: 5e-3, max: 0.03, kl: 1e-4 };
const QUANT = { mean: 0.03, max: 0.15, kl: 1e-3 };

const mha = { nHead: 4, nHeadKv: 4 }; // 64-wide heads, no GQA
const CASES: Case[] = [
  { id: "f32-bytes-mha-untied", opts: { type: "F32", vocab: "bytes", shape: { ...mha, tiedEmbeddings: false, ropeScaling: false } }, tol: FLOAT },
  { id: "f16-llama3-gqa-tied-rope", opts: { type: "F16", vocab: "llama3", shape: { tiedEmbeddings: true, ropeScaling: true, ropeFreqBase: 500000 } }, tol: FLOAT },
  { id: "bf16-spm-gqa", opts: { type: "BF16", vocab: "spm", shape: { tiedEmbeddings: false } }, tol: FLOAT },
  { id: "q8_0-llama3-tied-rope", opts: { type: "Q8_0", vocab: "llama3", shape: { tiedEmbeddings: true, ropeScaling: true, ropeFreqBase: 500000 } }, tol: QUANT },
  { id: "q4_0-spm-mha", opts: { type: "Q4_0", vocab: "spm", shape: mha }, tol: QUANT },
  { id: "q4_1-bytes", opts: { type: "Q4_1", vocab: "bytes" }, tol: QUANT },
  { id: "q5_0-bytes-rope", opts: { type: "Q5_0", vocab: "bytes", shape: { ropeScaling: true, ropeFreqBase: 500000 } }, tol: QUANT },
  { id: "q5_1-bytes", opts: { type: "Q5_1", vocab: "bytes" }, tol: QUANT },
  { id: "q2_k-spm", opts: { type: "Q2_K", vocab: "spm" }, tol: QUANT },
  { id: "q3_k-bytes-mha", opts: { type: "Q3_K", vocab: "bytes", shape: mha }, tol: QUANT },
  { id: "q4_k-llama3-3layer", opts: { type: "Q4_K", vocab: "llama3", shape: { nLayer: 3, tiedEmbeddings: true, ropeScaling: true, ropeFreqBase: 500000 } }, tol: QUANT },
  { id: "q5_k-bytes", opts: { type: "Q5_K", vocab: "bytes" }, tol: QUANT },
  { id: "q6_k-spm", opts: { type: "Q6_K", vocab: "spm" }, tol: QUANT },
  { id: "q4_k_m-spm-3layer", opts: { type: "Q4_K_M", vocab: "spm", shape: { nLayer: 3 } }, tol: QUANT },
];

const SEQ_LEN = 64;
const report: string[] = [];

after(async () => {
  console.log(["", STATS_HEADER, ...report].join("\n"));
  await (await referenceLlama()).dispose();
});

describe("log-probabilities match llama.cpp", () => {
  for (const c of CASES) {
    test(c.id, async () => {
      const path = await cachedModel(c.id, { preset: "tiny", seed: 7, ...c.opts });
      const s = await compareLogprobs(path, SEQ_LEN);
      report.push(formatStats(c.id, s));
      assert.ok(s.mean <= c.tol.mean, `mean |Δ log p| ${s.mean} exceeds ${c.tol.mean}`);
      assert.ok(s.max <= c.tol.max, `max |Δ log p| ${s.max} exceeds ${c.tol.max}`);
      assert.ok(s.kl <= c.tol.kl, `mean KL ${s.kl} exceeds ${c.tol.kl}`);
    });
  }
});
