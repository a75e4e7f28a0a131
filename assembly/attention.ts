// Causal grouped-query attention over an f16 or f32 KV cache, following src/kernels/js/attention.ts
// step by step: with an f16 cache, q is rounded to f16 before q·k and the probabilities are rounded
// to f16 before they weight V. Dot products and the V sum run in f32x4 lanes (as ggml's SIMD
// code does) instead of the reference's f64, so results agree to rounding. f16 values are widened
// as value·2^-112 (see matmul-float.ts) and q and p are pre-scaled by 2^112 to compensate.
// Units i in [u0, u1) stand for head h = ⌊i / nTok⌋ of token t = i mod nTok, so an even split of
// the units gives every thread whole heads over all tokens (causal rows differ in cost, heads do
// not). Per-thread scratch (scratch + tid·scratchStride) holds the rounded q row and the scores.

import { f16, f32_to_f16 } from "./common";
import { F16_PRESCALE } from "./quantize";

@inline function wideLo(v: v128): v128 {
  return v128.and(i32x4.shl(i32x4.extend_low_i16x8_s(v), 13), i32x4.splat(0x8fffe000));
}
@inline function wideHi(v: v128): v128 {
  return v128.and(i32x4.shl(i32x4.extend_high_i16x8_s(v), 13), i32x4.splat(0x8fffe000));
}

export function attention(
  out: usize, q: usize, kc: usize, vc: usize,
  nTok: i32, pos0: i32, nHead: i32, nHeadKv: i32, headDim: i32, scale: f32, isF16: i32,
  scratch: usize, scratchStride: i32,
  u0: i32, u1: i32, tid: i32,
): void {
  const group = nHead / nHeadKv;
  const kvStride = <usize>(nHeadKv * headDim);
  const eb: usize = isF16 != 0 ? 1 : 2; // log2 bytes per cache element
  const qRow = scratch + <usize>tid * <usize>scratchStride;
  const scores = qRow + (<usize>headDim << 2);
  const vec = (headDim & 7) == 0;
  for (let i = u0; i < u1; i++) {
    const h = i / nTok;
    const t = i - h * nTok;
    const u = t * nHead + h;
    const nKv = pos0 + t + 1;
    const qOff = q + ((<usize>u * <usize>headDim) << 2);
    const kvHead = <usize>((h / group) * headDim);
    for (let d = 0; d < headDim; d++) {
      const x = load<f32>(qOff + (<usize>d << 2));
      store<f32>(qRow + (<usize>d << 2), isF16 != 0 ? f16(f32_to_f16(x)) * F16_PRESCALE : x);
    }
    let max = -Infinity;
    for (let j = 0; j < nKv; j++) {
      const k = kc + ((<usize>j * kvStride + kvHead) << eb);
      let dot: f32 = 0;
      if (vec) {
        let s0 = f32x4.splat(0);
        let s1 = f32x4.splat(0);
        if (isF16 != 0) {
          for (let d = 0; d < headDim; d += 8) {
            const v = v128.load(k + (<usize>d << 1));
            s0 = f32x4.add(s0, f32x4.mul(wideLo(v), v128.load(qRow + (<usize>d << 2))));
            s1 = f32x4.add(s1, f32x4.mul(wideHi(v), v128.load(qRow + (<usize>d << 2), 16)));
          }
        } else {
          for (let d = 0; d < headDim; d += 8) {
            s0 = f32x4.add(s0, f32x4.mul(v128.load(k + (<usize>d << 2)), v128.load(qRow + (<usize>d << 2))));
            s1 = f32x4.add(s1, f32x4.mul(v128.load(k + (<usize>d << 2), 16), v128.load(qRow + (<usize>d << 2), 16)));
          }
        }
        const s = f32x4.add(s0, s1);
        dot = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
      } else {
        for (let d = 0; d < headDim; d++) {
          const kv: f32 = isF16 != 0 ? f16(load<u16>(k + (<usize>d << 1))) / F16_PRESCALE : load<f32>(k + (<usize>d << 2));
          dot += load<f32>(qRow + (<usize>d << 2)) * kv;
        }
      }
      const sc = dot * scale;
      store<f32>(scores + (<usize>j << 2), sc);
      if (sc > max) max = sc;
    }
    let sum: f64 = 0;
    for (let j = 0; j < nKv; j++) {
      const e = <f32>Math.exp(<f64>load<f32>(scores + (<usize>j << 2)) - <f64>max);
      store<f32>(scores + (<usize>j << 2), e);
      sum += <f64>e;
    }
    const inv = <f32>(1.0 / sum);
    const o = out + ((<usize>u * <usize>headDim) << 2);
    if (vec) {
      for (let d0 = 0; d0 < headDim; d0 += 16) {
        // 16 output lanes at a time (the tail of a 8-multiple headDim runs 8 wide)
        const wide = d0 + 16 <= headDim;
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0);
        for (let j = 0; j < nKv; j++) {
          let p = load<f32>(scores + (<usize>j << 2)) * inv;
          if (isF16 != 0) p = f16(f32_to_f16(p)) * F16_PRESCALE;
          const pv = f32x4.splat(p);
          const v = vc + ((<usize>j * kvStride + kvHead + <usize>d0) << eb);
          if (isF16 != 0) {
            const x0 = v128.load(v);
            a0 = f32x4.add(a0, f32x4.mul(pv, wideLo(x0)));
            a1 = f32x4.add(a1, f32x4.mul(pv, wideHi(x0)));
            if (wide) {
              const x1 = v128.load(v, 16);
              a2 = f32x4.add(a2, f32x4.mul(pv, wideLo(x1)));
              a3 = f32x4.add(a3, f32x4.mul(pv, wideHi(x1)));
            }
          } else {
            a0 = f32x4.add(a0, f32x4.mul(pv, v128.load(v)));
            a1 = f32x4.add(a1, f32x4.mul(pv, v128.load(v, 16)));
            if (wide) {
              a2 = f32x4.add(a2, f32x4.mul(pv, v128.load(v, 32)));
              a3 = f32x4.add(a3, f32x4.mul(pv, v128.load(v, 48)));
            }
          }
        }
        const od = o + (<usize>d0 << 2);
        v128.store(od, a0);
        v128.store(od, a1, 16);
        if (wide) {
          v128.store(od, a2, 32);
          v128.store(od, a3, 48);
        }
      }
    } else {
      for (let d = 0; d < headDim; d++) {
        let acc: f32 = 0;
        for (let j = 0; j < nKv; j++) {
          let p = load<f32>(scores + (<usize>j << 2)) * inv;
          if (isF16 != 0) p = f16(f32_to_f16(p));
          const v = vc + ((<usize>j * kvStride + kvHead + <usize>d) << eb);
          acc += p * (isF16 != 0 ? f16(load<u16>(v)) : load<f32>(v));
        }
        store<f32>(o + (<usize>d << 2), acc);
      }
    }
  }
}
