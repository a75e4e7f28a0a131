// IEEE binary16 and bfloat16 <-> f32 conversions, bit-exact with ggml (F16C on x86: RNE).
// Every block scale in a quantized tensor is an f16, so hot loops read them through F16_TO_F32.
// Reference: ggml/src/ggml-impl.h (ggml_compute_fp16_to_fp32, ggml_compute_fp32_to_bf16).

// One scratch word to move between an f32 value and its bit pattern without allocating.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The bit pattern of `x` rounded to f32. */
export function f32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0];
}

/** The f32 value of a 32-bit pattern. */
export function f32FromBits(bits: number): number {
  scratchU32[0] = bits;
  return scratchF32[0];
}

/** Exact value of an f16 bit pattern (0..65535). NaN payloads are not preserved. */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const man = bits & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24; // zero or subnormal
  if (exp === 31) return man === 0 ? sign * Infinity : NaN;
  return sign * (1024 + man) * 2 ** (exp - 25);
}

/** f16 bit pattern -> f32 value for all 65536 patterns; the hot path for block scales. */
export const F16_TO_F32: Float32Array = (() => {
  const table = new Float32Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = f16ToF32(i);
  return table;
})();

/**
 * f16 bit pattern of `x`, rounded to f32 first (ggml converts from f32), then to f16 with
 * round-to-nearest-even: subnormals are rounded, overflow gives ±inf, NaN stays a quiet NaN
 * with the top payload bits kept (what F16C's vcvtps2ph does).
 */
export function f32ToF16(x: number): number {
  const u = f32Bits(x);
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let man = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man !== 0 ? 0x200 | (man >>> 13) : 0);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal f16: value in units of 2^-24 is man·2^(exp-126) with the implicit bit restored.
    const shift = 14 - e;
    if (shift >= 25) return sign; // below half the smallest subnormal
    man |= 0x800000;
    let q = man >>> shift;
    const rem = man & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (q & 1) !== 0)) q++; // may carry into the normal range: correct
    return sign | q;
  }
  let h = (e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++; // a carry into the exponent is right, up to inf
  return sign | h;
}

/** Value of a bf16 bit pattern: the top half of an f32. */
export function bf16ToF32(bits: number): number {
  return f32FromBits((bits & 0xffff) << 16);
}

/** bf16 bit pattern of `x` as ggml computes it: NaN -> quiet NaN, else round-to-nearest-even. */
export function f32ToBf16(x: number): number {
  const u = f32Bits(x);
  if ((u & 0x7fffffff) >>> 0 > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  // Largest non-NaN input (0xff800000) plus the rounding bias stays below 2^32, as in C.
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bf16 bit pattern -> f32 value for all 65536 patterns (bf16 dot products read through it). */
export const BF16_TO_F32: Float32Array = (() => {
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let i = 0; i < 65536; i++) bits[i] = i << 16;
  return table;
})();
