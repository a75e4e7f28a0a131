// Log-probabilities of the raw model logits, what OpenAI-style APIs report as `logprob` and
// `top_logprobs`: log softmax in double precision, independent of the sampler chain.

import { firstAbove } from "./sort.js";

/** The first index in [from, to) whose logit is not <= threshold, else `to`; a tight loop of its own. */
function firstNotAtMost(logits: Float32Array, from: number, to: number, threshold: number): number {
  for (let i = from; i < to; i++) if (!(logits[i]! <= threshold)) return i;
  return to;
}

/** The largest logit; rejects an empty row, NaN, +Infinity and a row of only -Infinity. */
export function checkedMaxLogit(logits: Float32Array): number {
  const n = logits.length;
  if (n === 0) throw new RangeError("Logits must not be empty");
  let max = -Infinity;
  // A new maximum, NaN and +Infinity are exactly the logits that fail `l <= max`.
  for (let i = firstNotAtMost(logits, 0, n, max); i < n; i = firstNotAtMost(logits, i + 1, n, max)) {
    const l = logits[i]!;
    if (!(l < Infinity)) throw new RangeError(`Logits must not contain NaN or +Infinity, got ${l} at token ${i}`);
    max = l;
  }
  if (max === -Infinity) throw new RangeError("Logits are all -Infinity, so no token has any probability");
  return max;
}

/** Largest logit and log(Σ exp(l - max)) over all logits, in double; rejects NaN and +Infinity. */
export function logSumExp(logits: Float32Array): { max: number; logSum: number } {
  const max = checkedMaxLogit(logits);
  return { max, logSum: Math.log(sumExpShifted(logits, max)) };
}

// Σ exp(l - max) runs over the whole vocabulary for every sampled token; Math.exp made it the
// largest cost of a sample, so exp(-y) is split as exp(-k/64) from a table times a degree-4
// polynomial for the remaining |r| <= 1/128 (relative error below 1e-12).
const STEPS_PER_UNIT = 64;
const TABLE_SIZE = STEPS_PER_UNIT * 110;
const EXP_TABLE = Float64Array.from({ length: TABLE_SIZE + 1 }, (_, k) => Math.exp(-k / STEPS_PER_UNIT));

function sumExpShifted(logits: Float32Array, max: number): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const y = (max - logits[i]!) * STEPS_PER_UNIT;
    if (y >= TABLE_SIZE) {
      sum += Math.exp(-y / STEPS_PER_UNIT); // below e^-110: negligible, and 0 for -Infinity
      continue;
    }
    const k = (y + 0.5) | 0;
    const r = (k - y) / STEPS_PER_UNIT;
    sum += EXP_TABLE[k]! * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r / 24))));
  }
  return sum;
}

function checkToken(token: number, n: number): void {
  if (!Number.isInteger(token) || token < 0 || token >= n) {
    throw new RangeError(`Token must be an integer id in [0, ${n - 1}], got ${token}`);
  }
}

/** log softmax(logits)[token]; -Infinity for a token whose logit is -Infinity. */
export function logSoftmaxAt(logits: Float32Array, token: number): number {
  checkToken(token, logits.length);
  const { max, logSum } = logSumExp(logits);
  return logits[token]! - max - logSum;
}

/**
 * The n most likely tokens with their log-probabilities, most likely first (equal logits:
 * lower id first). n is clamped to the vocabulary size. `normalizer` is logSumExp(logits) when
 * the caller already has it (it then skips a pass over the vocabulary; the row is not re-checked).
 */
export function topLogprobs(
  logits: Float32Array,
  n: number,
  normalizer?: { max: number; logSum: number },
): { token: number; logprob: number }[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`topLogprobs n must be an integer >= 0, got ${n}`);
  const { max, logSum } = normalizer ?? logSumExp(logits);
  n = Math.min(n, logits.length);
  if (n === 0) return [];
  // A size-n min-heap of token ids; the root is the weakest kept token.
  const heap = new Int32Array(n);
  const weaker = (a: number, b: number) => logits[a]! < logits[b]! || (logits[a] === logits[b] && a > b);
  const siftDown = (i: number, size: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && weaker(heap[l]!, heap[m]!)) m = l;
      if (r < size && weaker(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let i = 0; i < n; i++) heap[i] = i;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(i, n);
  // Later ids lose ties, so only a strictly larger logit displaces the root.
  const size = logits.length;
  for (let t = firstAbove(logits, n, size, logits[heap[0]!]!); t < size; t = firstAbove(logits, t + 1, size, logits[heap[0]!]!)) {
    heap[0] = t;
    siftDown(0, n);
  }
  const tokens = Array.from(heap).sort((a, b) => (weaker(a, b) ? 1 : weaker(b, a) ? -1 : 0));
  return tokens.map((token) => ({ token, logprob: logits[token]! - max - logSum }));
}
