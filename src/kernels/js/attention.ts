// Causal grouped-query attention over the KV cache, following llama.cpp's non-flash CPU path:
// with an F16 cache, q is rounded to f16 before q·k and the softmax probabilities are rounded to
// f16 before they weight V (ggml converts src1 to the f16 vec_dot type); softmax sums in double.
// A Q8_0 K cache takes q quantized to Q8_0 and integer dots (vec_dot_q8_0_q8_0), as mul_mat does;
// a Q8_0 V cache goes through the flash-attention computation (attention-flash.ts), as in llama.cpp.

import { F16_TO_F32, f32ToF16 } from "../../tensors/f16.js";
import type { AttentionShape, KvBuffer } from "../kernels.js";
import { quantizeActivationRowQ8_0 } from "../../tensors/activation-quants.js";
import { typeTraits } from "../../tensors/type-traits.js";
import { GgmlType } from "../../gguf/types.js";
import { attentionFlashJs } from "./attention-flash.js";

const q8 = typeTraits(GgmlType.Q8_0);
let qQ8 = new Uint8Array(34 * 32);

let scores = new Float64Array(0);
let probs = new Float32Array(0);
const qRow = new Float32Array(1024);
const acc = new Float64Array(1024);

function toF16(x: number): number {
  return F16_TO_F32[f32ToF16(x)]!;
}

export function attentionJs(out: Float32Array, q: Float32Array, kCache: KvBuffer, vCache: KvBuffer, s: AttentionShape): void {
  if (vCache instanceof Uint8Array) return attentionFlashJs(out, q, kCache, vCache, s);
  const { nTokens, pos0, nHead, nHeadKv, headDim, scale } = s;
  const f = Math.fround;
  const f16 = kCache instanceof Uint16Array;
  const kQ = kCache instanceof Uint8Array ? kCache : null;
  const vF16 = vCache instanceof Uint16Array;
  if (kQ && qQ8.length < (headDim / 32) * 34) qQ8 = new Uint8Array((headDim / 32) * 34);
  const group = nHead / nHeadKv;
  const kvStride = nHeadKv * headDim;
  const nKvMax = pos0 + nTokens;
  if (scores.length < nKvMax) {
    scores = new Float64Array(nKvMax * 2);
    probs = new Float32Array(nKvMax * 2);
  }
  const kF = kCache instanceof Float32Array ? kCache : null;
  const vF = vF16 ? null : (vCache as Float32Array);
  const kH = f16 ? (kCache as Uint16Array) : null;
  const vH = vF16 ? (vCache as Uint16Array) : null;
  for (let t = 0; t < nTokens; t++) {
    const nKv = pos0 + t + 1; // causal: keys at positions ≤ this query's position
    for (let h = 0; h < nHead; h++) {
      const qOff = (t * nHead + h) * headDim;
      const kvHead = Math.floor(h / group) * headDim;
      if (kQ) quantizeActivationRowQ8_0(q, qOff, qQ8, 0, headDim);
      else for (let d = 0; d < headDim; d++) qRow[d] = f16 ? toF16(q[qOff + d]!) : q[qOff + d]!;
      let max = -Infinity;
      for (let j = 0; j < nKv; j++) {
        const kOff = j * kvStride + kvHead;
        let dot = 0;
        if (kQ) dot = q8.vecDot(kQ, (kOff / 32) * 34, qQ8, 0, headDim);
        else if (kH) for (let d = 0; d < headDim; d++) dot += qRow[d]! * F16_TO_F32[kH[kOff + d]!]!;
        else for (let d = 0; d < headDim; d++) dot += qRow[d]! * kF![kOff + d]!;
        const sc = f(f(dot) * scale);
        scores[j] = sc;
        if (sc > max) max = sc;
      }
      let sum = 0;
      for (let j = 0; j < nKv; j++) {
        const e = f(Math.exp(scores[j]! - max));
        probs[j] = e;
        sum += e;
      }
      const inv = f(1 / sum);
      for (let j = 0; j < nKv; j++) {
        const p = f(probs[j]! * inv);
        probs[j] = vF16 ? toF16(p) : p;
      }
      acc.fill(0, 0, headDim);
      for (let j = 0; j < nKv; j++) {
        const p = probs[j]!;
        const vOff = j * kvStride + kvHead;
        if (vH) for (let d = 0; d < headDim; d++) acc[d] += p * F16_TO_F32[vH[vOff + d]!]!;
        else for (let d = 0; d < headDim; d++) acc[d] += p * vF![vOff + d]!;
      }
      for (let d = 0; d < headDim; d++) out[qOff + d] = f(acc[d]!);
    }
  }
}
