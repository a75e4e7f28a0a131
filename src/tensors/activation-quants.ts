// Converts an f32 activation row to a weight type's vecDotType before a matmul, reproducing what
// llama.cpp's x86-64 AVX2 CPU build (node-llama-cpp's prebuilt binaries) does, so our dot products
// see the same integers. `quantizeActivationRow` is the entry point the matmul kernel calls.
// Reference: ggml/src/ggml-cpu/arch/x86/quants.c (quantize_row_q8_0/_q8_1/_q8_K), ggml-quants.c.

import { UnsupportedError } from "../errors.js";
import { GgmlType, ggmlTypeName } from "../gguf/types.js";
import { f32Bits, f32ToF16 } from "./f16.js";
import { checkRow, readF32, readI16, viewsOf, writeF32, writeU16 } from "./byte-views.js";
import { quantizeRowBF16, quantizeRowF16, quantizeRowF32 } from "./float-types.js";
import { Q8_0_BYTES, Q8_1_BYTES } from "./legacy-quants.js";

const fr = Math.fround;

/** Bytes of one Q8_K super-block: d:f32 @0, qs[256]:int8 @4, bsums[16]:int16 @260. */
export const Q8_K_BYTES = 292;

// Adding and removing 1.5·2^52 rounds a double to an integer, ties to even, like
// _mm256_round_ps(_MM_ROUND_NEAREST) on these (|v| ≤ 128) f32 values.
const RNE_MAGIC = 6755399441055744;

/**
 * x86 AVX Q8_0 / Q8_1: amax = max|x|, d = amax/127 (stored f16), id = 127/amax, q = RNE(x·id).
 * Differs from the reference (q = roundf(x·(1/d))) in both the multiplier and the tie rule.
 */
function quantizeQ8x86(withSum: boolean, src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const { u8, i8 } = viewsOf(dst);
  const bytes = withSum ? Q8_1_BYTES : Q8_0_BYTES;
  const qsAt = withSum ? 4 : 2;
  for (let b = 0, o = dst.byteOffset + dstOff, x = srcOff; b < n / 32; b++, o += bytes, x += 32) {
    let amax = 0;
    for (let j = 0; j < 32; j++) {
      const v = Math.abs(src[x + j]);
      if (v > amax) amax = v;
    }
    const d = fr(amax / 127);
    const id = amax !== 0 ? fr(127 / amax) : 0;
    writeU16(u8, o, f32ToF16(d));
    let sum = 0;
    for (let j = 0; j < 32; j++) {
      const q = fr(src[x + j] * id) + RNE_MAGIC - RNE_MAGIC;
      i8[o + qsAt + j] = q;
      sum += q;
    }
    if (withSum) writeU16(u8, o + 2, f32ToF16(fr(d * sum)));
  }
}

/** Q8_0 activation quantization exactly as llama.cpp's x86 AVX2 build does it (not the _ref rounding). */
export function quantizeActivationRowQ8_0(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeQ8x86(false, src, srcOff, dst, dstOff, n);
}

/** Q8_1 activation quantization as on x86 AVX2, with s = f16(d·Σq). */
export function quantizeActivationRowQ8_1(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeQ8x86(true, src, srcOff, dst, dstOff, n);
}

/**
 * ggml's nearest_int: adds 1.5·2^23 in f32 (rounding ties to even) and reads the low mantissa bits.
 * Exact rounding for |v| ≤ 4194303; done on the bits so out-of-range inputs give ggml's values too.
 */
export function nearestInt(v: number): number {
  return (f32Bits(v + 12582912) & 0x007fffff) - 0x00400000;
}

/**
 * Q8_K (`quantize_row_q8_K_ref`, which x86 also uses): per 256 values, max = the signed value of
 * largest magnitude, iscale = −127/max, q = min(127, nearest_int(iscale·x)), d = 1/iscale as f32
 * (negative when max > 0), bsums = sums of each 16 quants. An all-zero block stores zeros.
 */
export function quantizeRowQ8_K(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  checkRow("Q8_K", 256, n);
  const { u8, i8 } = viewsOf(dst);
  for (let b = 0, o = dst.byteOffset + dstOff, x = srcOff; b < n / 256; b++, o += Q8_K_BYTES, x += 256) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 256; j++) {
      const v = src[x + j];
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    if (amax === 0) {
      u8.fill(0, o, o + Q8_K_BYTES);
      continue;
    }
    const iscale = fr(-127 / max);
    for (let g = 0; g < 16; g++) {
      let bsum = 0;
      for (let j = 16 * g; j < 16 * g + 16; j++) {
        const q = Math.min(127, nearestInt(fr(iscale * src[x + j])));
        i8[o + 4 + j] = q;
        bsum += q;
      }
      writeU16(u8, o + 260 + 2 * g, bsum & 0xffff);
    }
    writeF32(u8, o, fr(1 / iscale));
  }
}

/** y = d·q for each of the 256 values of a Q8_K block (d is f32). */
export function dequantizeRowQ8_K(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  const { u8, i8 } = viewsOf(src);
  for (let b = 0, o = src.byteOffset + srcOff, y = dstOff; b < n / 256; b++, o += Q8_K_BYTES, y += 256) {
    const d = readF32(u8, o);
    for (let j = 0; j < 256; j++) dst[y + j] = d * i8[o + 4 + j];
  }
}

/** The 16 bsums of the Q8_K block starting at byte `blockOff` of `bytes` (for tests and diagnostics). */
export function q8KBsums(bytes: Uint8Array, blockOff: number): Int16Array {
  const u8 = viewsOf(bytes).u8;
  const o = bytes.byteOffset + blockOff;
  const out = new Int16Array(16);
  for (let g = 0; g < 16; g++) out[g] = readI16(u8, o + 260 + 2 * g);
  return out;
}

/** [elements, bytes] per block of each activation type. */
const ACTIVATION_LAYOUT: Partial<Record<GgmlType, readonly [number, number]>> = {
  [GgmlType.Q8_0]: [32, Q8_0_BYTES],
  [GgmlType.Q8_1]: [32, Q8_1_BYTES],
  [GgmlType.Q8_K]: [256, Q8_K_BYTES],
  [GgmlType.F16]: [1, 2],
  [GgmlType.BF16]: [1, 2],
  [GgmlType.F32]: [1, 4],
};

/** Bytes of `n` activations in `vecDotType` (whole blocks only), or an error for other types. */
function activationBytes(vecDotType: GgmlType, n: number): number {
  const geometry = ACTIVATION_LAYOUT[vecDotType];
  if (!geometry) throw new UnsupportedError(`Unsupported activation type ${ggmlTypeName(vecDotType)}`, ggmlTypeName(vecDotType));
  checkRow(ggmlTypeName(vecDotType), geometry[0], n);
  return (n / geometry[0]) * geometry[1];
}

/**
 * The activation entry point: converts `n` f32 values at src[srcOff..] to `vecDotType` at
 * dst[dstOff..] the way llama.cpp's x86 CPU backend does before `vec_dot` (Q8_0/Q8_1 with the
 * AVX rounding, Q8_K, f16/bf16 RNE, f32 copy). Size `dst` with rowByteSize(vecDotType, n).
 * Weight quantization (what goes into a file) is `typeTraits(t).quantizeRow` instead.
 */
export function quantizeActivationRow(
  vecDotType: GgmlType,
  src: Float32Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  n: number,
): void {
  if (srcOff < 0 || srcOff + n > src.length) throw new RangeError(`Source too small for ${n} values at ${srcOff}`);
  const bytes = activationBytes(vecDotType, n);
  if (dstOff < 0 || dstOff + bytes > dst.length) {
    throw new RangeError(`Activation row of ${bytes} bytes at offset ${dstOff} overruns a buffer of ${dst.length} bytes`);
  }
  switch (vecDotType) {
    case GgmlType.Q8_0:
      return quantizeActivationRowQ8_0(src, srcOff, dst, dstOff, n);
    case GgmlType.Q8_1:
      return quantizeActivationRowQ8_1(src, srcOff, dst, dstOff, n);
    case GgmlType.Q8_K:
      return quantizeRowQ8_K(src, srcOff, dst, dstOff, n);
    case GgmlType.F16:
      return quantizeRowF16(src, srcOff, dst, dstOff, n);
    case GgmlType.BF16:
      return quantizeRowBF16(src, srcOff, dst, dstOff, n);
    case GgmlType.F32:
      return quantizeRowF32(src, srcOff, dst, dstOff, n);
  }
}
