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
    if (c.inIdOrder) this.applyInIdOrder(c.logits);
    else this.applyToList(c.ids, c.logits, c.size);
    c.sorted = false;
  }

  private penalized(logit: number, count: number): number {
    // Dividing a negative logit would raise its probability, so negatives are multiplied.
    const l = logit <= 0 ? f32(logit * this.repeat) : f32(logit / this.repeat);
    return f32(l - f32(f32(count * this.frequency) + this.presence));
  }

  private applyToList(ids: Int32Array, logits: Float32Array, size: number): void {
    const counts = this.counts;
    for (let i = 0; i < size; i++) {
      const count = counts[ids[i]!]!;
      if (count !== 0) logits[i] = this.penalized(logits[i]!, count);
    }
  }

  /**
   * The whole vocabulary in id order: only the window's tokens change, so visit those instead of
   * every candidate. A visited token's count is negated so a repeat in the window is skipped, and
   * restored afterwards. The window's live entries are always ring[0, length).
   */
  private applyInIdOrder(logits: Float32Array): void {
    const counts = this.counts;
    const ring = this.ring;
    for (let j = 0; j < this.length; j++) {
      const token = ring[j]!;
      const count = counts[token]!;
      if (count <= 0) continue;
      logits[token] = this.penalized(logits[token]!, count);
      counts[token] = -count;
    }
    for (let j = 0; j < this.length; j++) {
      const token = ring[j]!;
      if (counts[token]! < 0) counts[token] = -counts[token]!;
    }
  }
}
