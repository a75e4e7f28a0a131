// The truncation samplers of llama.cpp's chain: top-k, typical, top-p and min-p, following
// src/llama-sampler.cpp (llama_sampler_{top_k,typical,top_p,min_p}_apply) down to the f32
// arithmetic, the min_keep rules and which list order each one leaves behind, because the
// final draw walks the list in that order.

import type { Candidates } from "./candidates.js";
import { expf } from "./expf.js";
import { introsort } from "./sort.js";

const f32 = Math.fround;
const FLT_MAX = 3.4028234663852886e38;

/** expf(logit - max) as llama.cpp computes it in f32. */
function expShifted(logit: number, max: number): number {
  return expf(f32(logit - max));
}

/** Keeps the k largest logits, sorted descending; k <= 0 is off. Ties keep libstdc++'s order. */
export function topK(c: Candidates, k: number): void {
  if (k <= 0) return;
  k = Math.min(k, c.size);
  if (!c.sorted) c.partialSortInPlace(k);
  c.size = k;
}

/**
 * Locally typical sampling: sort by |surprise - entropy| and keep the shortest prefix whose
 * probability mass exceeds p (and at least minKeep tokens). Leaves the list unsorted.
 */
export function typical(c: Candidates, p: number, minKeep: number): void {
  p = f32(p);
  if (p >= 1) return;
  // llama_sampler_softmax_impl(cur_p, do_sort = true)
  if (!c.sorted) c.partialSortInPlace(c.size);
  const n = c.size;
  const { ids, logits } = c;
  const probs = c.scratch;
  const max = logits[0]!;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = expShifted(logits[i]!, max);
    probs[i] = e;
    sum = f32(sum + e);
  }
  let entropy = 0;
  for (let i = 0; i < n; i++) {
    const pi = f32(probs[i]! / sum);
    probs[i] = pi;
    entropy = f32(entropy + f32(-pi * f32(Math.log(pi))));
  }
  // std::sort of indices by ascending score; keys are negated scores for the descending sorter.
  const order = c.scratchIds;
  const keys = c.sortLogits;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    keys[i] = -Math.abs(f32(-f32(Math.log(probs[i]!)) - entropy));
  }
  introsort(order, keys, 0, n);
  let cum = 0;
  let last = n;
  for (let i = 0; i < n; i++) {
    cum = f32(cum + probs[order[i]!]!);
    if (cum > p && (minKeep === 0 || i >= minKeep - 1)) {
      last = i + 1;
      break;
    }
  }
  // Gather the kept candidates in score order through the sort buffer.
  const outIds = c.sortIds;
  for (let i = 0; i < last; i++) {
    outIds[i] = ids[order[i]!]!;
    keys[i] = logits[order[i]!]!;
  }
  ids.set(outIds.subarray(0, last));
  logits.set(keys.subarray(0, last));
  c.size = last;
  c.sorted = false;
}

/**
 * Nucleus sampling: keep the shortest prefix, in descending order, whose cumulative
 * probability reaches p (f32 sums, `>=`), with at least minKeep tokens. Leaves the list sorted.
 */
export function topP(c: Candidates, p: number, minKeep: number): void {
  p = f32(p);
  if (p >= 1) return;
  const size = c.size;
  // llama_sampler_softmax_impl(cur_p, do_sort = false): the f32 sum runs in the current order.
  const max = c.maxLogit();
  let sum = 0;
  for (let i = 0; i < size; i++) sum = f32(sum + expShifted(c.logits[i]!, max));

  // Sorting moves (id, logit) pairs; each probability is recomputed from its logit, which
  // yields the very value llama.cpp carries along in its structs.
  let k = size;
  let logits = c.logits;
  if (!c.sorted && size > 1024) {
    // Large unsorted list: try the top 256 first and sort everything only if they are not enough.
    k = Math.min(256, size);
    c.partialSortToBuffer(k);
    logits = c.sortLogits;
  } else if (!c.sorted) {
    c.partialSortInPlace(k);
  }

  let cum = 0;
  let last = size;
  let widened = false;
  for (let i = 0; i < size; i++) {
    if (widened) c.sortBufferThrough(i);
    cum = f32(cum + f32(expShifted(logits[i]!, max) / sum));
    if (cum >= p && i + 1 >= minKeep) {
      last = i + 1;
      break;
    }
    if (!c.sorted && i === k - 1 && k < size) {
      k = size;
      // Sorting everything is what llama.cpp does; only the prefix this loop reads matters.
      c.partialSortToBuffer(k, true, true);
      widened = true;
    }
  }
  if (!c.sorted) {
    c.takeBuffer(last);
    c.sorted = true;
  }
  c.size = last;
}

/**
 * Keeps tokens whose probability is at least p times the top one's, i.e. logit >= max + ln p.
 * Unsorted lists are filtered in place (order kept); if that would leave fewer than minKeep
 * tokens, the list is sorted and the first max(minKeep, matching) tokens are kept instead.
 */
export function minP(c: Candidates, p: number, minKeep: number): void {
  p = f32(p);
  if (p <= 0 || c.size === 0) return;
  const { ids, logits } = c;
  const logP = f32(Math.log(p));
  if (!c.sorted) {
    let max = -FLT_MAX;
    for (let i = 0; i < c.size; i++) if (max < logits[i]!) max = logits[i]!;
    const minLogit = f32(max + logP);
    let kept = 0;
    for (let i = 0; i < c.size; i++) if (logits[i]! >= minLogit) kept++;
    if (kept > 0 && kept >= minKeep) {
      let w = 0;
      for (let i = 0; i < c.size; i++) {
        if (logits[i]! >= minLogit) {
          ids[w] = ids[i]!;
          logits[w++] = logits[i]!;
        }
      }
      c.size = kept;
      return;
    }
    c.partialSortInPlace(c.size);
  }
  const minLogit = f32(logits[0]! + logP);
  let i = 1; // the top token always stays
  for (; i < c.size; i++) {
    if (logits[i]! < minLogit && i >= minKeep) break;
  }
  c.size = i;
}
