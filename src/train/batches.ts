// Which tokens each step trains on: windows that start at document starts (so chat examples are
// seen from their first token), drawn from a generator seeded by (seed, step, slot). The choice is
// a pure function of the step, so a resumed run sees exactly the batches the uninterrupted run saw.

import { SeededRandom } from "../synth/seeded-random.js";
import type { TokenDataset } from "./dataset.js";

export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
  /** Loss mask of each target (1 or 0), before normalization. */
  mask: Uint8Array;
}

export function checkTrainable(ds: TokenDataset, seqLen: number, what: string): void {
  if (ds.tokens.length < seqLen + 1) throw new RangeError(`The ${what} dataset has ${ds.tokens.length} tokens; a sequence of ${seqLen} needs at least ${seqLen + 1}`);
  if (ds.docStarts.length === 0) throw new RangeError(`The ${what} dataset has no documents`);
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
  return (h ^ (h >>> 13)) >>> 0;
}

/** `count` windows of seqLen + 1 tokens for (step, micro-batch), deterministic in (seed, step, micro). */
export function sampleBatch(ds: TokenDataset, seqLen: number, count: number, seed: number, step: number, micro: number): Batch {
  const rng = new SeededRandom(mix(mix(seed, step), micro));
  const inputs = new Int32Array(count * seqLen);
  const targets = new Int32Array(count * seqLen);
  const mask = new Uint8Array(count * seqLen);
  const last = ds.tokens.length - seqLen - 1;
  for (let b = 0; b < count; b++) {
    const doc = rng.nextU32() % ds.docStarts.length;
    const start = Math.min(ds.docStarts[doc]!, last);
    for (let t = 0; t < seqLen; t++) {
      inputs[b * seqLen + t] = ds.tokens[start + t]!;
      targets[b * seqLen + t] = ds.tokens[start + t + 1]!;
      mask[b * seqLen + t] = ds.mask[start + t + 1]!;
    }
  }
  return { inputs, targets, mask };
}
