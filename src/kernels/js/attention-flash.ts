// Causal grouped-query attention the way llama.cpp's CPU flash-attention kernel computes it, used
// for a Q8_0 V cache (llama.cpp only allows a quantized V cache with flash attention). Per query
// row: q is converted to K's dot type (Q8_0 for a Q8_0 K cache, f16 for f16), then an online
// softmax over the keys in position order — running max M and sum S in f32, the f32 accumulator
// rescaled by exp(Mold − M) when the max grows, each V row dequantized and added with an FMA —
// and finally divided by S.
// Reference: ggml/src/ggml-cpu/ops.cpp ggml_compute_forward_flash_attn_ext_f16_one_chunk.

import { F16_TO_F32, f32ToF16 } from "../../tensors/f16.js";
import { quantizeActivationRowQ8_0 } from "../../tensors/activation-quants.js";
import { typeTraits } from "../../tensors/type-traits.js";
import { GgmlType } from "../../gguf/types.js";
import type { AttentionShape, KvBuffer } from "../kernels.js";

const Q8_0_BYTES = 34;
const q8 = typeTraits(GgmlType.Q8_0);
let qQ8 = new Uint8Array(0);
let qRow = new Float32Array(0);
let vRow = new Float32Array(0);
let acc = new Float32Array(0);

/** f32 fused multiply-add a·b + c: the product of two f32 is exact in a double. */
function fma32(a: number, b: number, c: number): number {
  return Math.fround(a * b + c);
}

export function attentionFlashJs(out: Float32Array, q: Float32Array, kCache: KvBuffer, vCache: KvBuffer, s: AttentionShape): void {
  const { nTokens, pos0, nHead, nHeadKv, headDim, scale } = s;
  const f = Math.fround;
  const group = nHead / nHeadKv;
  const kvStride = nHeadKv * headDim;
  const blocksPerHead = headDim / 32;
  if (qRow.length < headDim) {
    qRow = new Float32Array(headDim);
    vRow = new Float32Array(headDim);
    acc = new Float32Array(headDim);
    qQ8 = new Uint8Array(blocksPerHead * Q8_0_BYTES);
  }
  if (qQ8.length < blocksPerHead * Q8_0_BYTES) qQ8 = new Uint8Array(blocksPerHead * Q8_0_BYTES);
  const kQ = kCache instanceof Uint8Array ? kCache : null;
  const kH = kCache instanceof Uint16Array ? kCache : null;
  const kF = kCache instanceof Float32Array ? kCache : null;
  for (let t = 0; t < nTokens; t++) {
    const nKv = pos0 + t + 1; // keys after this query's position are masked (-inf) and skipped
    for (let h = 0; h < nHead; h++) {
      const qOff = (t * nHead + h) * headDim;
      const kvHead = Math.floor(h / group);
      if (kQ) quantizeActivationRowQ8_0(q, qOff, qQ8, 0, headDim);
      else for (let d = 0; d < headDim; d++) qRow[d] = kH ? F16_TO_F32[f32ToF16(q[qOff + d]!)]! : q[qOff + d]!;
      let S = 0;
      let M = -Infinity;
      acc.fill(0, 0, headDim);
      for (let j = 0; j < nKv; j++) {
        let dot: number;
        if (kQ) dot = q8.vecDot(kQ, (j * kvStride + kvHead * headDim) / 32 * Q8_0_BYTES, qQ8, 0, headDim);
        else {
          const kOff = j * kvStride + kvHead * headDim;
          dot = 0;
          if (kH) for (let d = 0; d < headDim; d++) dot += qRow[d]! * F16_TO_F32[kH[kOff + d]!]!;
          else for (let d = 0; d < headDim; d++) dot += qRow[d]! * kF![kOff + d]!;
        }
        const sc = f(f(dot) * scale);
        let ms = 1;
        let vs = 1;
        if (sc > M) {
          const mOld = M;
          M = sc;
          ms = f(Math.exp(mOld - M));
          for (let d = 0; d < headDim; d++) acc[d] = f(acc[d]! * ms);
        } else {
          vs = f(Math.exp(sc - M));
        }
        readV(vCache, j * kvStride + kvHead * headDim, headDim);
        for (let d = 0; d < headDim; d++) acc[d] = fma32(vRow[d]!, vs, acc[d]!);
        S = fma32(S, ms, vs);
      }
      const inv = S === 0 ? 0 : f(1 / S);
      for (let d = 0; d < headDim; d++) out[qOff + d] = f(acc[d]! * inv);
    }
  }
}

/** V row slice (element offset `off`, headDim values) as f32 in vRow. */
function readV(v: KvBuffer, off: number, n: number): void {
  if (v instanceof Uint8Array) q8.dequantizeRow(v, (off / 32) * Q8_0_BYTES, vRow, 0, n);
  else if (v instanceof Uint16Array) for (let d = 0; d < n; d++) vRow[d] = F16_TO_F32[v[off + d]!]!;
  else for (let d = 0; d < n; d++) vRow[d] = v[off + d]!;
}
