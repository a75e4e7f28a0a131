// A context: one sequence's KV cache plus the tokens it holds. Evaluating a token list that
// starts with what the cache already holds only computes the new suffix (prefix reuse), which is
// what makes multi-turn chat and repeated prompts cheap.

import { ContextOverflowError } from "../errors.js";
import type { LlamaForward, LogitsWanted } from "./llama.js";
import { KvCache, type KvCacheTypes } from "./kv-cache.js";

export interface ContextOptions {
  /** Context window in tokens; default min(training context, 4096). */
  nCtx?: number;
  /**
   * KV cache element type: "f16" (default, like llama.cpp), "f32" or "q8_0", or `{ k, v }` for
   * separate key and value types. A q8_0 V cache attends as llama.cpp's flash attention does.
   */
  kvType?: KvCacheTypes;
}

export class LlamaContext {
  readonly cache: KvCache;
  private held: number[] = [];

  constructor(
    private readonly model: LlamaForward,
    readonly nCtx: number,
    kvType: KvCacheTypes = "f16",
  ) {
    this.cache = new KvCache(model.cfg, nCtx, kvType, model.kernels.allocateKv?.bind(model.kernels));
  }

  /** Tokens whose keys/values the cache currently holds, in position order. */
  get tokens(): readonly number[] {
    return this.held;
  }

  /** Forgets everything after the first `n` tokens. */
  truncate(n: number): void {
    if (n < this.held.length) this.held.length = Math.max(0, n);
  }

  clear(): void {
    this.held = [];
  }

  /**
   * Makes the cache hold exactly `tokens`, evaluating only what differs from what it holds, and
   * returns the logits of the last token. At least the last token is always re-evaluated so its
   * logits exist. Returns how many tokens were reused.
   */
  prefill(tokens: readonly number[], wanted: LogitsWanted = "last"): { logits: Float32Array; reused: number } {
    if (tokens.length === 0) throw new RangeError("Cannot evaluate an empty token list");
    if (tokens.length > this.nCtx) {
      throw new ContextOverflowError(`The prompt has ${tokens.length} tokens but the context holds ${this.nCtx}`, this.nCtx, tokens.length);
    }
    let common = 0;
    const limit = Math.min(this.held.length, tokens.length - 1);
    while (common < limit && this.held[common] === tokens[common]) common++;
    if (wanted === "all") common = 0;
    this.truncate(common);
    const logits = this.model.forward(this.cache, tokens.slice(common), common, wanted);
    this.held.push(...tokens.slice(common));
    return { logits, reused: common };
  }

  /** Appends tokens after what the cache holds and returns the requested logits. */
  append(tokens: readonly number[], wanted: LogitsWanted = "last"): Float32Array {
    if (this.held.length + tokens.length > this.nCtx) {
      throw new ContextOverflowError(
        `Cannot add ${tokens.length} tokens to a context holding ${this.held.length} of ${this.nCtx}`,
        this.nCtx,
        this.held.length + tokens.length,
      );
    }
    const logits = this.model.forward(this.cache, tokens, this.held.length, wanted);
    this.held.push(...tokens);
    return logits;
  }
}
