// Dequantization and llama.cpp's reference quantization (`quantize_row_*_ref`) for the 32-element
// "legacy" blocks Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1. Used to read weights and to write GGUF files
// that match what llama-quantize produces. f32 arithmetic is mirrored with Math.fround.
// Reference: ggml/src/ggml-quants.c; block layouts ggml/src/ggml-common.h.

import { F16_TO_F32, f32ToF16 } from "./f16.js";
import { viewsOf, writeU16 } from "./byte-views.js";

const fr = Math.fround;

/** Bytes per 32-element block. */
export const Q4_0_BYTES = 18; // d:f16, qs[16]
export const Q4_1_BYTES = 20; // d:f16, m:f16, qs[16]
export const Q5_0_BYTES = 22; // d:f16, qh[4], qs[16]
export const Q5_1_BYTES = 24; // d:f16, m:f16, qh[4], qs[16]
export const Q8_0_BYTES = 34; // d:f16, qs[32] int8
export const Q8_1_BYTES = 36; // d:f16, s:f16 (= d·Σqs), qs[32] int8

// ---- dequantization: the integer level is formed first, then scaled in f32 ----

export function dequantizeRowQ4_0(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const u8 = viewsOf(src).u8;
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 32; b++, o += Q4_0_BYTES, y += 32) {
    const d = F16_TO_F32[u8[o] | (u8[o + 1] << 8)];
    for (let j = 0; j < 16; j++) {
      const x = u8[o + 2 + j];
      dst[y + j] = ((x & 15) - 8) * d;
      dst[y + j + 16] = ((x >> 4) - 8) * d;
    }
  }
}

export function dequantizeRowQ4_1(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const u8 = viewsOf(src).u8;
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 32; b++, o += Q4_1_BYTES, y += 32) {
    const d = F16_TO_F32[u8[o] | (u8[o + 1] << 8)];
    const m = F16_TO_F32[u8[o + 2] | (u8[o + 3] << 8)];
    for (let j = 0; j < 16; j++) {
      const x = u8[o + 4 + j];
      dst[y + j] = fr((x & 15) * d) + m;
      dst[y + j + 16] = fr((x >> 4) * d) + m;
    }
  }
}

/** The 32 high bits of a Q5 block as one unsigned little-endian word. */
function qhWord(u8: Uint8Array, o: number): number {
  return (u8[o] | (u8[o + 1] << 8) | (u8[o + 2] << 16) | (u8[o + 3] << 24)) >>> 0;
}

export function dequantizeRowQ5_0(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const u8 = viewsOf(src).u8;
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 32; b++, o += Q5_0_BYTES, y += 32) {
    const d = F16_TO_F32[u8[o] | (u8[o + 1] << 8)];
    const qh = qhWord(u8, o + 2);
    for (let j = 0; j < 16; j++) {
      const x = u8[o + 6 + j];
      dst[y + j] = (((x & 15) | (((qh >>> j) & 1) << 4)) - 16) * d;
      dst[y + j + 16] = (((x >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16) * d;
    }
  }
}

export function dequantizeRowQ5_1(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const u8 = viewsOf(src).u8;
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 32; b++, o += Q5_1_BYTES, y += 32) {
    const d = F16_TO_F32[u8[o] | (u8[o + 1] << 8)];
    const m = F16_TO_F32[u8[o + 2] | (u8[o + 3] << 8)];
    const qh = qhWord(u8, o + 4);
    for (let j = 0; j < 16; j++) {
      const x = u8[o + 8 + j];
      dst[y + j] = fr(((x & 15) | (((qh >>> j) & 1) << 4)) * d) + m;
      dst[y + j + 16] = fr(((x >> 4) | (((qh >>> (j + 16)) & 1) << 4)) * d) + m;
    }
  }
}

/** Shared by Q8_0 and Q8_1 (their quants start at byte 2 and 4 of 34- and 36-byte blocks). */
function dequantizeQ8(bytes: number, qsAt: number, src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const { u8, i8 } = viewsOf(src);
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 32; b++, o += bytes, y += 32) {
    const d = F16_TO_F32[u8[o] | (u8[o + 1] << 8)];
    for (let j = 0; j < 32; j++) dst[y + j] = i8[o + qsAt + j] * d;
  }
}

export function dequantizeRowQ8_0(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  dequantizeQ8(Q8_0_BYTES, 2, src, srcOff, dst, dstOff, n);
}

export function dequantizeRowQ8_1(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  dequantizeQ8(Q8_1_BYTES, 4, src, srcOff, dst, dstOff, n);
}

// ---- reference quantization (`quantize_row_*_ref`) ----

/** C's roundf: halves round away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** The signed value of largest magnitude in x[o..o+n) (first one wins on ties), as ggml scans it. */
function signedAbsMax(x: Float32Array, o: number, n: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < n; j++) {
    const v = x[o + j];
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

/** Symmetric 4/5-bit blocks: d = max/-2^(bits-1), level = trunc(x/d + 2^(bits-1) + 0.5) capped at 2^bits - 1. */
function quantizeSymmetric(bits: 4 | 5, src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const u8 = viewsOf(dst).u8;
  const half = bits === 4 ? 8 : 16;
  const top = 2 * half - 1;
  const bias = half + 0.5; // 8.5f or 16.5f, exact in f32
  const bytes = bits === 4 ? Q4_0_BYTES : Q5_0_BYTES;
  const qsAt = bits === 4 ? 2 : 6;
  for (let b = 0, o = dst.byteOffset + dstOff, x = srcOff; b < n / 32; b++, o += bytes, x += 32) {
    const d = fr(signedAbsMax(src, x, 32) / -half);
    const id = d !== 0 ? fr(1 / d) : 0;
    writeU16(u8, o, f32ToF16(d));
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      // (int8_t)(v + bias) truncates toward zero; v + bias is never below 0 here.
      const l0 = Math.min(top, Math.trunc(fr(fr(src[x + j] * id) + bias)));
      const l1 = Math.min(top, Math.trunc(fr(fr(src[x + 16 + j] * id) + bias)));
      u8[o + qsAt + j] = (l0 & 15) | ((l1 & 15) << 4);
      qh |= ((l0 >> 4) << j) | ((l1 >> 4) << (j + 16));
    }
    if (bits === 5) writeQh(u8, o + 2, qh);
  }
}

/** Asymmetric 4/5-bit blocks: d = (max-min)/(2^bits - 1), m = min, level = trunc((x-min)/d + 0.5). */
function quantizeAsymmetric(bits: 4 | 5, src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const u8 = viewsOf(dst).u8;
  const top = bits === 4 ? 15 : 31;
  const bytes = bits === 4 ? Q4_1_BYTES : Q5_1_BYTES;
  const qsAt = bits === 4 ? 4 : 8;
  for (let b = 0, o = dst.byteOffset + dstOff, x = srcOff; b < n / 32; b++, o += bytes, x += 32) {
    let min = Infinity;
    let max = -Infinity;
    for (let j = 0; j < 32; j++) {
      const v = src[x + j];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const d = fr(fr(max - min) / top);
    const id = d !== 0 ? fr(1 / d) : 0;
    writeU16(u8, o, f32ToF16(d));
    writeU16(u8, o + 2, f32ToF16(min));
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      // Q4_1 caps at 15; Q5_1's reference has no cap (the value cannot exceed 31).
      let l0 = Math.trunc(fr(fr(fr(src[x + j] - min) * id) + 0.5));
      let l1 = Math.trunc(fr(fr(fr(src[x + 16 + j] - min) * id) + 0.5));
      if (bits === 4) {
        l0 = Math.min(15, l0);
        l1 = Math.min(15, l1);
      }
      u8[o + qsAt + j] = (l0 & 15) | ((l1 & 15) << 4);
      qh |= (((l0 >> 4) & 1) << j) | (((l1 >> 4) & 1) << (j + 16));
    }
    if (bits === 5) writeQh(u8, o + 4, qh);
  }
}

function writeQh(u8: Uint8Array, o: number, qh: number): void {
  u8[o] = qh & 0xff;
  u8[o + 1] = (qh >>> 8) & 0xff;
  u8[o + 2] = (qh >>> 16) & 0xff;
  u8[o + 3] = (qh >>> 24) & 0xff;
}

export function quantizeRowQ4_0(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeSymmetric(4, src, srcOff, dst, dstOff, n);
}
export function quantizeRowQ5_0(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeSymmetric(5, src, srcOff, dst, dstOff, n);
}
export function quantizeRowQ4_1(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeAsymmetric(4, src, srcOff, dst, dstOff, n);
}
export function quantizeRowQ5_1(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeAsymmetric(5, src, srcOff, dst, dstOff, n);
}

/**
 * Reference Q8_0/Q8_1 (`quantize_row_q8_0_ref` / `_q8_1_ref`): d = amax/127, q = roundf(x·(1/d)),
 * halves away from zero. This is how weights are stored; activations use activation-quants.ts.
 */
function quantizeQ8Ref(withSum: boolean, src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const { u8, i8 } = viewsOf(dst);
  const bytes = withSum ? Q8_1_BYTES : Q8_0_BYTES;
  const qsAt = withSum ? 4 : 2;
  for (let b = 0, o = dst.byteOffset + dstOff, x = srcOff; b < n / 32; b++, o += bytes, x += 32) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[x + j]));
    const d = fr(amax / 127);
    const id = d !== 0 ? fr(1 / d) : 0;
    writeU16(u8, o, f32ToF16(d));
    let sum = 0;
    for (let j = 0; j < 32; j++) {
      const q = roundHalfAway(fr(src[x + j] * id));
      i8[o + qsAt + j] = q;
      sum += q;
    }
    if (withSum) writeU16(u8, o + 2, f32ToF16(fr(sum * d)));
  }
}

export function quantizeRowQ8_0(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeQ8Ref(false, src, srcOff, dst, dstOff, n);
}
export function quantizeRowQ8_1(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeQ8Ref(true, src, srcOff, dst, dstOff, n);
}
