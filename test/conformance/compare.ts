// Teacher-forced comparison of our log-probabilities with llama.cpp's on one model file.

import assert from "node:assert/strict";
import { loadModel } from "../../src/model/model.js";
import { fixedSequence } from "./models.js";
import { loadReference, referenceDistributions } from "./reference.js";

export interface LogprobStats {
  /** Mean and max |Δ log p(next token)| over positions. */
  mean: number;
  max: number;
  /** Mean KL(llama.cpp ‖ ours) over positions. */
  kl: number;
  /** Positions where llama.cpp's top-2 log-prob margin exceeded 0.2 (argmax must agree there). */
  checked: number;
  positions: number;
}

export async function compareLogprobs(path: string, seqLen: number, seed = 12345): Promise<LogprobStats> {
  const ours = await loadModel(path);
  const ref = await loadReference(path);
  try {
    const nVocab = ours.config.nVocab;
    const tokens = fixedSequence(seqLen, nVocab, ours.tokenizer.bos, seed);
    const refRows = await referenceDistributions(ref, tokens, nVocab);
    const ourRows = ours.logits(tokens, { all: true });
    let sumAbs = 0, maxAbs = 0, sumKl = 0, checked = 0;
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
      const margin = Math.log(p[top1]!) - Math.log(p[top2]!);
      if (margin > 0.2) {
        checked++;
        assert.equal(argmax(logq), top1, `argmax differs at position ${i} (llama.cpp margin ${margin.toFixed(3)})`);
      }
    }
    const n = tokens.length - 1;
    return { mean: sumAbs / n, max: maxAbs, kl: sumKl / n, checked, positions: n };
  } finally {
    await ref.dispose();
  }
}

export function formatStats(id: string, s: LogprobStats): string {
  return `${id.padEnd(30)}${s.mean.toExponential(2).padStart(11)}${s.max.toExponential(2).padStart(12)}${s.kl.toExponential(2).padStart(11)}   ${s.checked}/${s.positions} checked, all agree`;
}

export const STATS_HEADER = "model                         mean|Δlogp|  max|Δlogp|  mean KL     argmax(margin>0.2)";

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
