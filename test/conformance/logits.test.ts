// Conformance with llama.cpp (node-llama-cpp 3.21.1): on generated models covering every tensor
// type, GQA and MHA, tied and untied embeddings, rope scaling on and off, 32- and 64-wide heads,
// and the llama3, SentencePiece and byte vocabularies, our log-probabilities at every position of
// a fixed 64-token sequence must match llama.cpp's within per-type tolerances, and the argmax must
// agree wherever llama.cpp's top-2 margin exceeds 0.2.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadModel } from "../../src/model/model.js";
import type { SynthOptions } from "../../src/synth/synth.js";
import { cachedModel, fixedSequence } from "./models.js";
import { loadReference, referenceDistributions, referenceLlama } from "./reference.js";

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
  console.log(["", "model                         mean|Δlogp|  max|Δlogp|  mean KL     argmax(margin>0.2)", ...report].join("\n"));
  await (await referenceLlama()).dispose();
});

describe("log-probabilities match llama.cpp", () => {
  for (const c of CASES) {
    test(c.id, async () => {
      const path = await cachedModel(c.id, { preset: "tiny", seed: 7, ...c.opts });
      const ours = await loadModel(path);
      const ref = await loadReference(path);
      try {
        const nVocab = ours.config.nVocab;
        const tokens = fixedSequence(SEQ_LEN, nVocab, ours.tokenizer.bos, 12345);
        const refRows = await referenceDistributions(ref, tokens, nVocab);
        const ourRows = ours.logits(tokens, { all: true });
        let sumAbs = 0, maxAbs = 0, sumKl = 0, agreeChecked = 0;
        for (let i = 0; i < tokens.length - 1; i++) {
          const logq = logSoftmax(ourRows[i]!);
          // llama.cpp's float32 probabilities sum to 1 only up to rounding: renormalize for KL.
          const p = normalize(refRows[i]!);
          const next = tokens[i + 1]!;
          const d = Math.abs(Math.log(p[next]!) - logq[next]!);
          sumAbs += d;
          maxAbs = Math.max(maxAbs, d);
          let kl = 0;
          for (let j = 0; j < nVocab; j++) if (p[j]! > 0) kl += p[j]! * (Math.log(p[j]!) - logq[j]!);
          sumKl += kl;
          const [top1, top2] = topTwo(p);
          if (Math.log(p[top1]!) - Math.log(p[top2]!) > 0.2) {
            agreeChecked++;
            assert.equal(argmax(logq), top1, `argmax differs at position ${i} (llama.cpp margin ${(Math.log(p[top1]!) - Math.log(p[top2]!)).toFixed(3)})`);
          }
        }
        const n = tokens.length - 1;
        const mean = sumAbs / n, kl = sumKl / n;
        report.push(`${c.id.padEnd(30)}${mean.toExponential(2).padStart(11)}${maxAbs.toExponential(2).padStart(12)}${kl.toExponential(2).padStart(11)}   ${agreeChecked}/${n} checked, all agree`);
        assert.ok(mean <= c.tol.mean, `mean |Δ log p| ${mean} exceeds ${c.tol.mean}`);
        assert.ok(maxAbs <= c.tol.max, `max |Δ log p| ${maxAbs} exceeds ${c.tol.max}`);
        assert.ok(kl <= c.tol.kl, `mean KL ${kl} exceeds ${c.tol.kl}`);
      } finally {
        await ref.dispose();
      }
    });
  }
});

function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (v) => v - lse);
}

function normalize(row: Float64Array): Float64Array {
  let sum = 0;
  for (const v of row) sum += v;
  return row.map((v) => v / sum);
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

function topTwo(row: Float64Array): [number, number] {
  let a = -1, b = -1;
  for (let i = 0; i < row.length; i++) {
    if (a < 0 || row[i]! > row[a]!) { b = a; a = i; }
    else if (b < 0 || row[i]! > row[b]!) b = i;
  }
  return [a, b];
}
