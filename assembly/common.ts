// Helpers shared by the kernels: the per-instance f16 table, horizontal sums, f32→f16 rounding.
// Every kernel works on raw pointers into the (shared) memory that the TypeScript side manages;
// no AssemblyScript runtime objects are ever allocated, so instances own no heap of their own.

/** f32 value of each f16 bit pattern (65536 entries), written by the host into every memory. */
let F16_TABLE: usize = 0;

/** 1 in the relaxed-SIMD build (`--use RELAXED=1`), whose activation layouts differ (see weight-kinds.ts). */
export function relaxed_simd(): i32 {
  return RELAXED;
}

/** Called once per instance with the address of that memory's f16 table. */
export function set_f16_table(p: usize): void {
  F16_TABLE = p;
}

/** Exact f32 value of an f16 bit pattern (table lookup, as src/tensors/f16.ts F16_TO_F32). */
@inline export function f16(bits: u32): f32 {
  return load<f32>(F16_TABLE + (<usize>bits << 2));
}

/** Sum of the four i32 lanes (wrapping, as the integer block sums never overflow). */
@inline export function hsum(v: v128): i32 {
  const s = i32x4.add(v, i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1);
}

/** Sum of the four f32 lanes in a fixed order: (l0 + l2) + (l1 + l3). */
@inline export function hsumf(v: v128): f32 {
  const s = f32x4.add(v, i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/**
 * f16 bit pattern of x with round-to-nearest-even, overflow to ±inf, NaN kept quiet with its top
 * payload bits: the same bits as src/tensors/f16.ts f32ToF16 (and F16C's vcvtps2ph).
 */
export function f32_to_f16(x: f32): u32 {
  const u = reinterpret<u32>(x);
  const sign = (u >>> 16) & 0x8000;
  const exp = <i32>((u >>> 23) & 0xff);
  let man = u & 0x7fffff;
  if (exp == 0xff) return sign | 0x7c00 | (man != 0 ? 0x200 | (man >>> 13) : 0);
  const e = exp - 112;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    const shift = 14 - e;
    if (shift >= 25) return sign;
    man |= 0x800000;
    let q = man >>> shift;
    const rem = man & ((1 << shift) - 1);
    const half: u32 = 1 << (shift - 1);
    if (rem > half || (rem == half && (q & 1) != 0)) q++;
    return sign | q;
  }
  let h: u32 = (<u32>e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) h++;
  return sign | h;
}

/** bf16 bit pattern of x as ggml rounds it (NaN → quiet NaN, else round-to-nearest-even). */
export function f32_to_bf16(x: f32): u32 {
  const u = reinterpret<u32>(x);
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** fr(sum + d·s) with the products and the sum in f64, rounded once to f32: the reference's order. */
@inline export function fma32(sum: f32, d: f32, s: f64): f32 {
  return <f32>(<f64>sum + <f64>d * s);
}
