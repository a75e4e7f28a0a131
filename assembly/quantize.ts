// Activation conversion before a matrix product, bit-exact with src/tensors/activation-quants.ts
// (llama.cpp's x86 AVX2 rounding) but written to layouts the SIMD kernels read directly. One token:
//   Q8_0 / Q8_1 (32-blocks, nb = n/32): d f32[nb] (the f16-rounded scale) | aux[nb] | qs
//     aux: Q8_1 s = f16(d·Σq) as f32; Q8_0 Σq as i32 (the −8/−16 offsets of Q4_0/Q5_0)
//   Q8_K (256-blocks, nb = n/256): d f32[nb] | bsums i32[16·nb] | qs
//   qs: i8 in element order (perm = 0) or i16 with each 16 elements stored evens first then odds
//   (perm = 1), so that a 16-bit lane of packed nibbles lines up with its two activations.
// F16 / BF16 / F32: the values rounded to the weight's type, as f32[n]; f16 values pre-scaled by
// 2^112 (exact; matmul-float.ts widens f16 weights to value·2^-112).

import { f16, f32_to_bf16, f32_to_f16 } from "./common";

/** 2^112: an f16 value times this still fits in f32 (65504·2^112 < f32 max). */
export const F16_PRESCALE: f32 = 5.192296858534828e33;

@inline function align16(x: i32): i32 {
  return (x + 15) & ~15;
}

/** Byte offset of qs within one token's Q8_0/Q8_1 activation. */
@inline export function qs32_offset(n: i32): i32 {
  return align16((n >> 5) << 3);
}

/** Byte offset of qs within one token's Q8_K activation. */
@inline export function qsK_offset(n: i32): i32 {
  return align16((n >> 8) * 68);
}

/** Bytes per token of each activation layout (kind: 0 = 32-blocks, 1 = Q8_K, 2 = f32 values). */
export function act_stride(kind: i32, n: i32, perm: i32): i32 {
  const qs = perm != 0 ? n << 1 : n;
  if (kind == 0) return align16(qs32_offset(n) + qs);
  if (kind == 1) return align16(qsK_offset(n) + qs);
  return align16(n << 2);
}

/** Position of element j (0..31) of a block in the permuted i16 order, in bytes. */
@inline function permOffset(j: i32): i32 {
  return ((j & 16) | ((j & 1) << 3) | ((j & 15) >> 1)) << 1;
}

/** x86 Q8_0 (withSum = 0) or Q8_1 (withSum = 1) for token rows [t0, t1) of n values each. */
export function quantize_q8_32(x: usize, n: i32, dst: usize, stride: i32, withSum: i32, perm: i32, t0: i32, t1: i32): void {
  const nb = n >> 5;
  const qsOff = qs32_offset(n);
  for (let t = t0; t < t1; t++) {
    const src = x + <usize>t * (<usize>n << 2);
    const out = dst + <usize>t * <usize>stride;
    for (let b = 0; b < nb; b++) {
      const xb = src + (<usize>b << 7);
      let amax: f32 = 0;
      for (let j = 0; j < 32; j++) {
        const v = Mathf.abs(load<f32>(xb + (<usize>j << 2)));
        if (v > amax) amax = v;
      }
      const d = <f32>(<f64>amax / 127.0);
      const id: f32 = amax != 0 ? <f32>(127.0 / <f64>amax) : 0;
      store<f32>(out + (<usize>b << 2), f16(f32_to_f16(d)));
      let sum = 0;
      for (let j = 0; j < 32; j++) {
        const r = nearest<f32>(load<f32>(xb + (<usize>j << 2)) * id);
        const q: i32 = r == r ? <i32>r : 0;
        sum += q;
        if (perm != 0) store<i16>(out + qsOff + (<usize>b << 6) + permOffset(j), <i16>q);
        else store<i8>(out + qsOff + (<usize>b << 5) + j, <i8>q);
      }
      const aux = out + (<usize>nb << 2) + (<usize>b << 2);
      if (withSum != 0) store<f32>(aux, f16(f32_to_f16(<f32>(<f64>d * <f64>sum))));
      else store<i32>(aux, sum);
    }
  }
}

/** ggml's nearest_int: add 1.5·2^23 in f32 and read the low mantissa bits. */
@inline function nearestInt(v: f32): i32 {
  return (reinterpret<i32>(v + <f32>12582912.0) & 0x007fffff) - 0x00400000;
}

/** Q8_K (quantize_row_q8_K_ref) for token rows [t0, t1). */
export function quantize_q8_k(x: usize, n: i32, dst: usize, stride: i32, perm: i32, t0: i32, t1: i32): void {
  const nb = n >> 8;
  const qsOff = qsK_offset(n);
  for (let t = t0; t < t1; t++) {
    const src = x + <usize>t * (<usize>n << 2);
    const out = dst + <usize>t * <usize>stride;
    for (let b = 0; b < nb; b++) {
      const xb = src + (<usize>b << 10);
      const bs = out + (<usize>nb << 2) + (<usize>b << 6);
      let amax: f32 = 0;
      let max: f32 = 0;
      for (let j = 0; j < 256; j++) {
        const v = load<f32>(xb + (<usize>j << 2));
        if (Mathf.abs(v) > amax) {
          amax = Mathf.abs(v);
          max = v;
        }
      }
      if (amax == 0) {
        store<f32>(out + (<usize>b << 2), 0);
        memory.fill(bs, 0, 64);
        if (perm != 0) memory.fill(out + qsOff + (<usize>b << 9), 0, 512);
        else memory.fill(out + qsOff + (<usize>b << 8), 0, 256);
        continue;
      }
      const iscale = <f32>(-127.0 / <f64>max);
      for (let g = 0; g < 16; g++) {
        let bsum = 0;
        for (let j = 16 * g; j < 16 * g + 16; j++) {
          const q = min(127, nearestInt(iscale * load<f32>(xb + (<usize>j << 2))));
          bsum += q;
          if (perm != 0) store<i16>(out + qsOff + (<usize>b << 9) + (<usize>(j & ~31) << 1) + permOffset(j & 31), <i16>q);
          else store<i8>(out + qsOff + (<usize>b << 8) + j, <i8>q);
        }
        store<i32>(bs + (<usize>g << 2), <i32>(<i16>bsum));
      }
      store<f32>(out + (<usize>b << 2), <f32>(1.0 / <f64>iscale));
    }
  }
}

/** Rounds token rows [t0, t1) to f16 (type 1, stored ·2^112) or bf16 (type 2) as f32; 0 copies. */
export function quantize_float(x: usize, n: i32, dst: usize, stride: i32, type: i32, t0: i32, t1: i32): void {
  for (let t = t0; t < t1; t++) {
    const src = x + <usize>t * (<usize>n << 2);
    const out = dst + <usize>t * <usize>stride;
    if (type == 0) {
      memory.copy(out, src, <usize>n << 2);
      continue;
    }
    for (let i = 0; i < n; i++) {
      const v = load<f32>(src + (<usize>i << 2));
      const r: f32 = type == 1 ? f16(f32_to_f16(v)) * F16_PRESCALE : reinterpret<f32>(f32_to_bf16(v) << 16);
      store<f32>(out + (<usize>i << 2), r);
    }
  }
}
