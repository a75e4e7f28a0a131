// A scheduler slot: one sequence's KV cache of ctx-size positions plus the tokens it holds. A slot
// keeps its tokens after its request ends, so the next request that shares the prefix (the same
// system prompt, the next chat turn) skips evaluating it. The cache is allocated on first use,
// in the compute backend's memory when it offers that (as LlamaContext does).

import type { KvBuffer } from "../kernels/kernels.js";
import type { LlamaForward } from "../model/llama.js";
import { KvCache, type KvCacheTypes } from "../model/kv-cache.js";
import type { Sequence } from "./sequence.js";

export class Slot {
  /** Tokens whose keys/values the cache holds, in position order. */
  held: number[] = [];
  seq: Sequence | null = null;
  lastUsed = 0;
  private kv: KvCache | undefined;

  constructor(
    readonly id: number,
    private readonly forward: LlamaForward,
    readonly nCtx: number,
    private readonly kvType: KvCacheTypes,
  ) {}

  get cache(): KvCache {
    this.kv ??= new KvCache(this.forward.cfg, this.nCtx, this.kvType, this.forward.kernels.allocateKv?.bind(this.forward.kernels));
    return this.kv;
  }

  get allocatedBytes(): number {
    return this.kv?.byteSize ?? 0;
  }

  /** Length of the common prefix of what the slot holds and `tokens`. */
  commonPrefix(tokens: readonly number[]): number {
    const limit = Math.min(this.held.length, tokens.length);
    let n = 0;
    while (n < limit && this.held[n] === tokens[n]) n++;
    return n;
  }

  /** Makes this slot hold the first `n` tokens of `from` (another slot) by copying their keys/values. */
  copyPrefixFrom(from: Slot, n: number): void {
    const src = from.cache;
    const dst = this.cache;
    for (let l = 0; l < src.k.length; l++) {
      copyPositions(dst.k[l]!, src.k[l]!, n, this.nCtx);
      copyPositions(dst.v[l]!, src.v[l]!, n, this.nCtx);
    }
    this.held = from.held.slice(0, n);
  }
}

/** Copies the bytes of positions 0..n-1; rows are fixed-size in every cache type (f16, f32, q8_0 blocks). */
function copyPositions(dst: KvBuffer, src: KvBuffer, n: number, nCtx: number): void {
  if (dst.byteLength !== src.byteLength || dst.constructor !== src.constructor) throw new TypeError("Cannot copy keys/values between caches of different types");
  const bytes = (src.byteLength / nCtx) * n;
  new Uint8Array(dst.buffer, dst.byteOffset, bytes).set(new Uint8Array(src.buffer, src.byteOffset, bytes));
}
