// The end of llama.cpp's chain: temperature (llama_sampler_temp_impl, greedy at t <= 0) and
// the `dist` draw (llama_sampler_dist_apply). The draw follows llama.cpp at the revision
// bundled with node-llama-cpp 3.21.1 (commit 80fb11ac, 2026-09-12): the single-pass inverse
// transform of PR #15704 plus one RNG draw even when a single candidate is left.

import type { Candidates } from "./candidates.js";
import { expf } from "./expf.js";
import type { Mt19937 } from "./rng.js";

const f32 = Math.fround;

/**
 * Divides every logit by t (f32). At t <= 0 only the first maximum in list order keeps its
 * logit and all others become -Infinity, which makes the draw below deterministic.
 */
export function temperature(c: Candidates, t: number): void {
  if (c.size === 0) return;
  const logits = c.logits;
  t = f32(t);
  if (t <= 0) {
    let maxI = 0;
    let maxL = logits[0]!;
    for (let i = 1; i < c.size; i++) {
      if (logits[i]! > maxL) {
        logits[maxI] = -Infinity;
        maxI = i;
        maxL = logits[i]!;
      } else {
        logits[i] = -Infinity;
      }
    }
    return;
  }
  for (let i = 0; i < c.size; i++) logits[i] = f32(logits[i]! / t);
}

/**
 * Draws one candidate index: p_i = expf(logit_i - max) summed in double, r from
 * uniform_real_distribution<double>(0, 1), and the first index whose running sum reaches
 * r * sum. Always consumes exactly one nextDouble() so seeded sequences stay aligned.
 */
export function dist(c: Candidates, rng: Mt19937): number {
  const r = rng.nextDouble();
  if (c.size <= 1) return 0;
  const { logits } = c;
  const probs = c.scratch;
  const max = c.maxLogit();
  let sum = 0;
  for (let i = 0; i < c.size; i++) {
    const p = expf(f32(logits[i]! - max));
    probs[i] = p;
    sum += p;
  }
  const target = sum * r;
  let run = 0;
  for (let i = 0; i < c.size; i++) {
    run += probs[i]!;
    if (run >= target) return i;
  }
  return c.size - 1; // unreachable with finite sums; llama.cpp falls back to the last candidate
}
