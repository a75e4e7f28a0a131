// The compute seam: every arithmetic step of the forward pass goes through this interface, so
// the readable plain-TypeScript kernels (kernels/js) and the WebAssembly SIMD kernels that come
// later are interchangeable and tested against the same tables. Kernels work on plain typed
// arrays and raw GGUF block bytes; they know nothing of models or files.

import type { GgmlType } from "../gguf/types.js";

/** A 2-D weight in its file encoding: `rows` output features, each a row of `cols` inputs. */
export interface WeightMatrix {
  name: string;
  type: GgmlType;
  /** ggml ne[1]: output features. */
  rows: number;
  /** ggml ne[0]: input features (contiguous). */
  cols: number;
  /** Bytes of one row in `type`'s block encoding. */
  rowBytes: number;
  /** (rows, rowBytes) raw blocks as stored in the GGUF file. */
  data: Uint8Array;
}

export interface Kernels {
  readonly name: string;
  /** Lets a backend repack or move a weight once at load (e.g. into WebAssembly memory). */
  prepareWeight(w: WeightMatrix): WeightMatrix;
  /**
   * out[t·rows + r] = Σ_k W[r, k] · x[t·cols + k] for t < nTokens, with each activation row first
   * converted to W's vecDotType as llama.cpp's CPU backend does (Q8_0, Q8_1, Q8_K, F16, BF16).
   */
  matmul(out: Float32Array, w: WeightMatrix, x: Float32Array, nTokens: number): void;
  /**
   * Optional: several products of one input in one step (Q/K/V, gate/up), so a threaded backend
   * converts the input once and synchronizes once. Same results as one matmul per item.
   */
  matmulMany?(items: readonly { out: Float32Array; w: WeightMatrix }[], x: Float32Array, nTokens: number): void;
  /** Optional: room for a weight's file bytes inside the backend's memory (read once, no copy). */
  allocateWeight?(nBytes: number, name: string): Uint8Array;
  /** Optional: a KV-cache layer buffer inside the backend's memory (undefined: use a plain array). */
  allocateKv?(nElements: number, type: "f16" | "f32"): KvBuffer | undefined;
  /** Optional: releases threads and memory; the kernels are unusable afterwards. */
  dispose?(): void;
  /** Dequantizes row `row` of `w` into out[outOff .. outOff + cols) (embedding lookup). */
  getRow(out: Float32Array, outOff: number, w: WeightMatrix, row: number): void;
  /** out = x / rms(x) ⊙ weight, per row of length n. `out` may alias `x`. */
  rmsNorm(out: Float32Array, x: Float32Array, weight: Float32Array, nTokens: number, n: number, eps: number): void;
  /**
   * Rotates adjacent pairs (llama.cpp's NORMAL rope) of every head in place.
   * x: (nTokens, nHeads, headDim); cos/sin: (nTokens, headDim/2) angle tables from ropeAngles.
   */
  rope(x: Float32Array, nTokens: number, nHeads: number, headDim: number, cos: Float32Array, sin: Float32Array): void;
  /** out = silu(gate) ⊙ up, elementwise over n values. `out` may alias either input. */
  swiglu(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void;
  /** x += y over n values. */
  add(x: Float32Array, y: Float32Array, n: number): void;
  /**
   * Causal multi-head attention of nTokens queries at positions pos0 .. pos0+nTokens-1 against
   * cached keys/values 0 .. pos0+t (grouped-query: query head h reads KV head ⌊h / (nHead/nHeadKv)⌋).
   * q, out: (nTokens, nHead, headDim); kCache, vCache: (nCtx, nHeadKv, headDim), F16 bits, F32 or Q8_0 blocks.
   */
  attention(out: Float32Array, q: Float32Array, kCache: KvBuffer, vCache: KvBuffer, shape: AttentionShape): void;
}

/**
 * A KV-cache layer buffer: f16 bit patterns (llama.cpp's default cache type), plain f32, or Q8_0
 * blocks (Uint8Array, 34 bytes per 32 values; each head's slice of a row starts on a block).
 * A Q8_0 V cache means llama.cpp's flash-attention computation, which it requires for quantized V.
 */
export type KvBuffer = Uint16Array | Float32Array | Uint8Array;

export interface AttentionShape {
  nTokens: number;
  pos0: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  /** Multiplies q·k before the softmax (1/sqrt(headDim) unless the file says otherwise). */
  scale: number;
}
