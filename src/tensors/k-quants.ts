// K-quant super-blocks (256 elements): byte layouts, packed-scale readers and dequantization for
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K. The reference quantizers live in k-quants-quantize.ts, the dot
// products against Q8_K activations in k-dots.ts. f32 operation order follows dequantize_row_*.
// Reference: ggml/src/ggml-quants.c, ggml/src/ggml-common.h (block_q2_K … block_q6_K).

import { F16_TO_F32 } from "./f16.js";
import { viewsOf } from "./byte-views.js";

const fr = Math.fround;

/** Bytes per 256-element super-block. */
export const Q2_K_BYTES = 84; // scales[16] (lo nibble scale, hi nibble min) @0, qs[64] @16, d @80, dmin @82
export const Q3_K_BYTES = 110; // hmask[32] @0, qs[64] @32, scales[12] (16 × 6 bit) @96, d @108
export const Q4_K_BYTES = 144; // d @0, dmin @2, scales[12] (8 scales + 8 mins, 6 bit) @4, qs[128] @16
export const Q5_K_BYTES = 176; // d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48
export const Q6_K_BYTES = 210; // ql[128] @0, qh[64] @128, scales[16] int8 @192, d @208

/** Q3_K sub-block scale j (0..15), signed: 4 low bits from bytes 0–7, 2 high bits from bytes 8–11, minus 32. */
export function q3kScale(u8: Uint8Array, s: number, j: number): number {
  const low = j < 8 ? u8[s + j] & 15 : u8[s + j - 8] >> 4;
  const high = (u8[s + 8 + (j & 3)] >> (2 * (j >> 2))) & 3;
  return (low | (high << 4)) - 32;
}

/** Q4_K/Q5_K 6-bit scale of sub-block j (0..7) from the 12 packed bytes at s (get_scale_min_k4). */
export function k4Scale(u8: Uint8Array, s: number, j: number): number {
  return j < 4 ? u8[s + j] & 63 : (u8[s + j + 4] & 15) | ((u8[s + j - 4] >> 6) << 4);
}

/** Q4_K/Q5_K 6-bit min of sub-block j (0..7). */
export function k4Min(u8: Uint8Array, s: number, j: number): number {
  return j < 4 ? u8[s + j + 4] & 63 : (u8[s + j + 4] >> 4) | ((u8[s + j] >> 6) << 4);
}

function f16At(u8: Uint8Array, o: number): number {
  return F16_TO_F32[u8[o] | (u8[o + 1] << 8)];
}

/** Q2_K: y = (d·sc)·q − dmin·m per 16-element sub-block; q = 2 bits at shift 2g of qs[32h + l]. */
export function dequantizeRowQ2_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const u8 = viewsOf(src).u8;
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 256; b++, o += Q2_K_BYTES) {
    const d = f16At(u8, o + 80);
    const dmin = f16At(u8, o + 82);
    for (let h = 0; h < 2; h++) {
      const q = o + 16 + 32 * h;
      for (let g = 0; g < 4; g++) {
        const shift = 2 * g;
        for (let half = 0; half < 2; half++) {
          const sc = u8[o + 8 * h + 2 * g + half];
          const dl = fr(d * (sc & 15));
          const ml = fr(dmin * (sc >> 4));
          for (let l = 16 * half; l < 16 * half + 16; l++) dst[y++] = fr(dl * ((u8[q + l] >> shift) & 3)) - ml;
        }
      }
    }
  }
}

/** Q3_K: y = (d·S)·q with q = 2 low bits − (high bit clear ? 4 : 0), S a signed 6-bit scale. */
export function dequantizeRowQ3_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const u8 = viewsOf(src).u8;
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 256; b++, o += Q3_K_BYTES) {
    const d = f16At(u8, o + 108);
    for (let h = 0; h < 2; h++) {
      const q = o + 32 + 32 * h;
      for (let g = 0; g < 4; g++) {
        const shift = 2 * g;
        const mask = 1 << (4 * h + g);
        for (let half = 0; half < 2; half++) {
          const dl = fr(d * q3kScale(u8, o + 96, 8 * h + 2 * g + half));
          for (let l = 16 * half; l < 16 * half + 16; l++) {
            const level = ((u8[q + l] >> shift) & 3) - ((u8[o + l] & mask) !== 0 ? 0 : 4);
            dst[y++] = dl * level;
          }
        }
      }
    }
  }
}

/** Q4_K / Q5_K share everything but the fifth bit; qhAt < 0 means Q4_K. */
function dequantizeK4(bytes: number, qsAt: number, qhAt: number, src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const u8 = viewsOf(src).u8;
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 256; b++, o += bytes) {
    const d = f16At(u8, o);
    const dmin = f16At(u8, o + 2);
    for (let c = 0; c < 4; c++) {
      const q = o + qsAt + 32 * c;
      for (let half = 0; half < 2; half++) {
        const j = 2 * c + half;
        const dl = fr(d * k4Scale(u8, o + 4, j));
        const ml = fr(dmin * k4Min(u8, o + 4, j));
        const shift = 4 * half;
        for (let l = 0; l < 32; l++) {
          let level = (u8[q + l] >> shift) & 15;
          if (qhAt >= 0) level |= ((u8[o + qhAt + l] >> j) & 1) << 4;
          dst[y++] = fr(dl * level) - ml;
        }
      }
    }
  }
}

export function dequantizeRowQ4_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  dequantizeK4(Q4_K_BYTES, 16, -1, src, srcOff, dst, dstOff, n);
}

export function dequantizeRowQ5_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  dequantizeK4(Q5_K_BYTES, 48, 16, src, srcOff, dst, dstOff, n);
}

/** Q6_K: y = (d·sc)·(q − 32), q = 4 bits of ql | 2 bits of qh << 4, int8 scale per 16 elements. */
export function dequantizeRowQ6_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const { u8, i8 } = viewsOf(src);
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 256; b++, o += Q6_K_BYTES, y += 256) {
    const d = f16At(u8, o + 208);
    for (let h = 0; h < 2; h++) {
      const ql = o + 64 * h;
      const qh = o + 128 + 32 * h;
      const sc = o + 192 + 8 * h;
      const yh = y + 128 * h;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const hb = u8[qh + l];
        const q1 = ((u8[ql + l] & 15) | ((hb & 3) << 4)) - 32;
        const q2 = ((u8[ql + l + 32] & 15) | (((hb >> 2) & 3) << 4)) - 32;
        const q3 = ((u8[ql + l] >> 4) | (((hb >> 4) & 3) << 4)) - 32;
        const q4 = ((u8[ql + l + 32] >> 4) | (((hb >> 6) & 3) << 4)) - 32;
        dst[yh + l] = fr(d * i8[sc + is]) * q1;
        dst[yh + l + 32] = fr(d * i8[sc + is + 2]) * q2;
        dst[yh + l + 64] = fr(d * i8[sc + is + 4]) * q3;
        dst[yh + l + 96] = fr(d * i8[sc + is + 6]) * q4;
      }
    }
  }
}
