// The key/value cache: for every layer, the rotated keys and the values of each position seen so
// far, stored as f16 by default (llama.cpp's default cache type, and half the memory of f32).

import { f32ToF16 } from "../tensors/f16.js";
import type { KvBuffer } from "../kernels/kernels.js";
import type { ModelConfig } from "./config.js";

export type KvCacheType = "f16" | "f32";

export class KvCache {
  readonly k: KvBuffer[]; // per layer (nCtx, nHeadKv, headDim)
  readonly v: KvBuffer[]; // per layer (nCtx, nHeadKv, headDim)
  readonly rowSize: number; // nHeadKv · headDim

  constructor(
    cfg: ModelConfig,
    readonly nCtx: number,
    readonly type: KvCacheType = "f16",
  ) {
    this.rowSize = cfg.nHeadKv * cfg.headDim;
    const make = () => (type === "f16" ? new Uint16Array(nCtx * this.rowSize) : new Float32Array(nCtx * this.rowSize));
    this.k = Array.from({ length: cfg.nLayer }, make);
    this.v = Array.from({ length: cfg.nLayer }, make);
  }

  /** Bytes held by the cache. */
  get byteSize(): number {
    return this.k.reduce((s, b) => s + b.byteLength, 0) * 2;
  }

  /** Stores nTokens rows of k and v (nTokens, nHeadKv·headDim) at positions pos0 … */
  write(layer: number, pos0: number, k: Float32Array, v: Float32Array, nTokens: number): void {
    const n = nTokens * this.rowSize;
    const off = pos0 * this.rowSize;
    const kb = this.k[layer]!;
    const vb = this.v[layer]!;
    if (kb instanceof Float32Array) {
      kb.set(k.subarray(0, n), off);
      (vb as Float32Array).set(v.subarray(0, n), off);
      return;
    }
    for (let i = 0; i < n; i++) {
      kb[off + i] = f32ToF16(k[i]!);
      vb[off + i] = f32ToF16(v[i]!);
    }
  }
}
