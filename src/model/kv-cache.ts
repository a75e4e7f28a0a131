// The key/value cache: for every layer, the rotated keys and the values of each position seen so
// far, stored as f16 by default (llama.cpp's default cache type, half the memory of f32), f32, or
// Q8_0 (llama.cpp's --cache-type-k/v q8_0: ~53 % of f16), quantized row by row as ggml's set_rows
// does on x86 (quantize_row_q8_0). K and V may use different types.

import { f32ToF16 } from "../tensors/f16.js";
import { quantizeActivationRowQ8_0 } from "../tensors/activation-quants.js";
import type { KvBuffer } from "../kernels/kernels.js";
import type { ModelConfig } from "./config.js";

export type KvCacheType = "f16" | "f32" | "q8_0";
export const KV_CACHE_TYPES: readonly KvCacheType[] = ["f16", "f32", "q8_0"];

/** One type for both, or separate key and value types (llama.cpp's -ctk / -ctv). */
export type KvCacheTypes = KvCacheType | { k: KvCacheType; v: KvCacheType };

const Q8_0_BLOCK = 32;
const Q8_0_BYTES = 34;

export class KvCache {
  readonly k: KvBuffer[]; // per layer (nCtx, nHeadKv, headDim)
  readonly v: KvBuffer[]; // per layer (nCtx, nHeadKv, headDim)
  readonly rowSize: number; // nHeadKv · headDim
  readonly typeK: KvCacheType;
  readonly typeV: KvCacheType;

  constructor(
    cfg: ModelConfig,
    readonly nCtx: number,
    type: KvCacheTypes = "f16",
    /** Where f16/f32 layer buffers come from (a compute backend's memory); default plain arrays. */
    alloc?: (nElements: number, type: "f16" | "f32") => KvBuffer | undefined,
  ) {
    const { k, v } = typeof type === "string" ? { k: type, v: type } : type;
    for (const t of [k, v]) {
      if (!KV_CACHE_TYPES.includes(t)) throw new RangeError(`Unknown KV cache type "${String(t)}"; expected one of ${KV_CACHE_TYPES.join(", ")}`);
      // A quantized row must not mix heads inside a block (llama.cpp refuses these shapes too).
      if (t === "q8_0" && cfg.headDim % Q8_0_BLOCK !== 0) {
        throw new RangeError(`KV cache type q8_0 needs a head size that is a multiple of ${Q8_0_BLOCK}, but this model's is ${cfg.headDim}`);
      }
    }
    this.typeK = k;
    this.typeV = v;
    this.rowSize = cfg.nHeadKv * cfg.headDim;
    const make = (t: KvCacheType): KvBuffer => {
      const n = nCtx * this.rowSize;
      if (t === "f16") return alloc?.(n, t) ?? new Uint16Array(n);
      if (t === "f32") return alloc?.(n, t) ?? new Float32Array(n);
      return new Uint8Array((n / Q8_0_BLOCK) * Q8_0_BYTES);
    };
    this.k = Array.from({ length: cfg.nLayer }, () => make(k));
    this.v = Array.from({ length: cfg.nLayer }, () => make(v));
  }

  /** The type of both K and V when they agree; "k/v" otherwise. */
  get type(): string {
    return this.typeK === this.typeV ? this.typeK : `${this.typeK}/${this.typeV}`;
  }

  /** Bytes held by the cache. */
  get byteSize(): number {
    return this.k.reduce((s, b) => s + b.byteLength, 0) + this.v.reduce((s, b) => s + b.byteLength, 0);
  }

  /** Stores nTokens rows of k and v (nTokens, nHeadKv·headDim) at positions pos0 … */
  write(layer: number, pos0: number, k: Float32Array, v: Float32Array, nTokens: number): void {
    store(this.k[layer]!, pos0, k, nTokens, this.rowSize);
    store(this.v[layer]!, pos0, v, nTokens, this.rowSize);
  }
}

function store(buf: KvBuffer, pos0: number, src: Float32Array, nTokens: number, rowSize: number): void {
  const n = nTokens * rowSize;
  const off = pos0 * rowSize;
  if (buf instanceof Float32Array) buf.set(src.subarray(0, n), off);
  else if (buf instanceof Uint16Array) for (let i = 0; i < n; i++) buf[off + i] = f32ToF16(src[i]!);
  else quantizeActivationRowQ8_0(src, 0, buf, (off / Q8_0_BLOCK) * Q8_0_BYTES, n);
}
