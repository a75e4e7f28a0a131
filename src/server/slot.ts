// A scheduler slot: one sequence's KV cache of ctx-size positions plus the tokens it holds. A slot
// keeps its tokens after its request ends, so the next request that shares the prefix (the same
// system prompt, the next chat turn) skips evaluating it. The cache is allocated on first use.

import type { KvBuffer } from "../kernels/kernels.js";
import type { ModelConfig } from "../model/config.js";
import { KvCache, type KvCacheType } from "../model/kv-cache.js";
import type { Sequence } from "./sequence.js";

export class Slot {
  /** Tokens whose keys/values the cache holds, in position order. */
  held: number[] = [];
  seq: Sequence | null = null;
  lastUsed = 0;
  private kv: KvCache | undefined;

  constructor(
    readonly id: number,
    private readonly cfg: ModelConfig,
    readonly nCtx: number,
    private readonly kvType: KvCacheType,
  ) {}

  get cache(): KvCache {
    this.kv ??= new KvCache(this.cfg, this.nCtx, this.kvType);
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
    const len = n * src.rowSize;
    for (let l = 0; l < src.k.length; l++) {
      copyRows(dst.k[l]!, src.k[l]!, len);
      copyRows(dst.v[l]!, src.v[l]!, len);
    }
    this.held = from.held.slice(0, n);
  }
}

function copyRows(dst: KvBuffer, src: KvBuffer, len: number): void {
  if (dst instanceof Float32Array && src instanceof Float32Array) dst.set(src.subarray(0, len));
  else if (dst instanceof Uint16Array && src instanceof Uint16Array) dst.set(src.subarray(0, len));
  else throw new TypeError("Cannot copy keys/values between caches of different types");
}
