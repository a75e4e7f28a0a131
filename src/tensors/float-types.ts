// Row codecs and dot products for the unquantized types F32, F16 and BF16 (1-element "blocks").
// llama.cpp's CPU backend rounds the activations to the weight's own type (F16 -> f16, BF16 -> bf16)
// before the dot; the products are exact in f32 and ggml sums them in SIMD f32 lanes, we in a double.
// Reference: ggml/src/ggml-cpu/vec.cpp (ggml_vec_dot_f32/_f16/_bf16), ggml-impl.h (conversions).

import { BF16_TO_F32, F16_TO_F32, f32ToBf16, f32ToF16 } from "./f16.js";
import { anyOffset, f32ViewAt, readF32, viewsOf, writeF32 } from "./byte-views.js";

// ---- F32 ----

export function dequantizeRowF32(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const o = src.byteOffset + srcOff;
  const f = f32ViewAt(src, o);
  if (f !== null) {
    dst.set(f.subarray(o >> 2, (o >> 2) + n), dstOff);
    return;
  }
  const u8 = viewsOf(src).u8;
  for (let i = 0; i < n; i++) dst[dstOff + i] = readF32(u8, o + 4 * i);
}

export function quantizeRowF32(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const o = dst.byteOffset + dstOff;
  const f = f32ViewAt(dst, o);
  if (f !== null) {
    f.set(src.subarray(srcOff, srcOff + n), o >> 2);
    return;
  }
  const u8 = viewsOf(dst).u8;
  for (let i = 0; i < n; i++) writeF32(u8, o + 4 * i, src[srcOff + i]);
}

/** Plain f32 dot, summed in doubles over four lanes (ggml sums in f32 SIMD lanes). */
function dotF32(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const wo = w.byteOffset + wOff;
  const ao = a.byteOffset + aOff;
  const W = f32ViewAt(w, wo)!;
  const A = f32ViewAt(a, ao)!;
  let i = wo >> 2;
  let j = ao >> 2;
  const end = i + n;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (; i + 4 <= end; i += 4, j += 4) {
    s0 += W[i] * A[j];
    s1 += W[i + 1] * A[j + 1];
    s2 += W[i + 2] * A[j + 2];
    s3 += W[i + 3] * A[j + 3];
  }
  for (; i < end; i++, j++) s0 += W[i] * A[j];
  return s0 + s1 + (s2 + s3);
}

export const vecDotF32 = anyOffset(dotF32, 1, 4, 1, 4, 4);

// ---- F16 and BF16 share the layout (one little-endian uint16 per element), not the table ----

function dequantize16(table: Float32Array, src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const o = src.byteOffset + srcOff;
  const { u8, u16 } = viewsOf(src);
  if ((o & 1) === 0) {
    const base = o >> 1;
    for (let i = 0; i < n; i++) dst[dstOff + i] = table[u16[base + i]];
    return;
  }
  for (let i = 0; i < n; i++) dst[dstOff + i] = table[u8[o + 2 * i] | (u8[o + 2 * i + 1] << 8)];
}

function quantize16(convert: (x: number) => number, src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const u8 = viewsOf(dst).u8;
  let o = dst.byteOffset + dstOff;
  for (let i = 0; i < n; i++, o += 2) {
    const h = convert(src[srcOff + i]);
    u8[o] = h & 0xff;
    u8[o + 1] = h >> 8;
  }
}

/** Products of exactly widened 16-bit floats, summed in doubles over four lanes. */
function dot16(table: Float32Array, w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const W = viewsOf(w).u16;
  const A = viewsOf(a).u16;
  let i = (w.byteOffset + wOff) >> 1;
  let j = (a.byteOffset + aOff) >> 1;
  const end = i + n;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (; i + 4 <= end; i += 4, j += 4) {
    s0 += table[W[i]] * table[A[j]];
    s1 += table[W[i + 1]] * table[A[j + 1]];
    s2 += table[W[i + 2]] * table[A[j + 2]];
    s3 += table[W[i + 3]] * table[A[j + 3]];
  }
  for (; i < end; i++, j++) s0 += table[W[i]] * table[A[j]];
  return s0 + s1 + (s2 + s3);
}

export function dequantizeRowF16(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  dequantize16(F16_TO_F32, src, srcOff, dst, dstOff, n);
}
/** f32 -> f16 with round-to-nearest-even (ggml's GGML_FP32_TO_FP16; also the F16 activation conversion). */
export function quantizeRowF16(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantize16(f32ToF16, src, srcOff, dst, dstOff, n);
}
export const vecDotF16 = anyOffset((w, wOff, a, aOff, n) => dot16(F16_TO_F32, w, wOff, a, aOff, n), 1, 2, 1, 2);

export function dequantizeRowBF16(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  dequantize16(BF16_TO_F32, src, srcOff, dst, dstOff, n);
}
/** f32 -> bf16 with ggml's rounding (RNE, NaN quieted); also the BF16 activation conversion. */
export function quantizeRowBF16(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantize16(f32ToBf16, src, srcOff, dst, dstOff, n);
}
export const vecDotBF16 = anyOffset((w, wOff, a, aOff, n) => dot16(BF16_TO_F32, w, wOff, a, aOff, n), 1, 2, 1, 2);
