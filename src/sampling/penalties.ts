// Repetition, frequency and presence penalties over a sliding window of accepted tokens, as
// llama.cpp's `penalties` sampler (src/llama-sampler.cpp, llama_sampler_penalties_*): only
// tokens present in the window are touched; the arithmetic is f32 like the C++ floats.

import type { Candidates } from "./candidates.js";

const f32 = Math.fround;

export class PenaltyWindow {
  /** Occurrences of each token id in the window. */
  private readonly counts: Int32Array;
  /** The window's tokens, oldest first from `head` (a ring when lastN > 0, a growing list for -1). */
  private ring: Int32Array;
  private head = 0;
  private length = 0;
  private readonly repeat: number;
  private readonly frequency: number;
  private readonly presence: number;
  readonly disabled: boolean;

  /**
   * @param lastN window length; 0 disables the sampler, -1 keeps the whole history (llama.cpp
   * maps -1 to the context size, which bounds the history anyway).
   */
  constructor(
    nVocab: number,
    private readonly lastN: number,
    repeatPenalty: number,
    frequencyPenalty: number,
    presencePenalty: number,
  ) {
    this.counts = new Int32Array(nVocab);
    this.ring = new Int32Array(lastN > 0 ? lastN : 64);
    this.repeat = f32(repeatPenalty);
    this.frequency = f32(frequencyPenalty);
    this.presence = f32(presencePenalty);
    this.disabled = lastN === 0 || (this.repeat === 1 && this.frequency === 0 && this.presence === 0);
  }

  /** Number of tokens currently in the window. */
  get size(): number {
    return this.length;
  }

  accept(token: number): void {
    if (this.lastN === 0) return;
    this.counts[token]!++;
    if (this.lastN > 0) {
      if (this.length === this.lastN) {
        // Full ring: the oldest token leaves the window and its slot takes the new one.
        this.counts[this.ring[this.head]!]!--;
        this.ring[this.head] = token;
        this.head = (this.head + 1) % this.lastN;
      } else {
        this.ring[(this.head + this.length++) % this.lastN] = token;
      }
      return;
    }
    if (this.length === this.ring.length) {
      const grown = new Int32Array(this.ring.length * 2);
      grown.set(this.ring);
      this.ring = grown;
    }
    this.ring[this.length++] = token;
  }

  reset(): void {
    this.counts.fill(0);
    this.head = 0;
    this.length = 0;
  }

  /** Applies the penalties to every candidate whose token occurs in the window. */
  apply(c: Candidates): void {
    if (this.disabled) return;
    const { ids, logits } = c;
    const counts = this.counts;
    for (let i = 0; i < c.size; i++) {
      const count = counts[ids[i]!]!;
      if (count === 0) continue;
      let l = logits[i]!;
      // Dividing a negative logit would raise its probability, so negatives are multiplied.
      l = l <= 0 ? f32(l * this.repeat) : f32(l / this.repeat);
      logits[i] = f32(l - f32(f32(count * this.frequency) + this.presence));
    }
    c.sorted = false;
  }
}
