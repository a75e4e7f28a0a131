// Matrix products for unquantized weights (F32, F16, BF16) against activations already rounded to
// the weight's type (quantize.ts quantize_float). Every product is exact in f32 (f16·f16 and
// bf16·bf16 need at most 22 / 16 significant bits); the sums run in four f32x4 accumulators, as
// ggml's SIMD f32 lanes do, so they differ from the reference's double sums by rounding only.
// F16 weights are widened with shifts: (sign-extended bits << 13) & 0x8fffe000 is the f16 value
// times 2^-112 as an f32, and the activations arrive pre-scaled by 2^112 (quantize_float type 3).

import { f16 } from "./common";
import { act_stride } from "./quantize";

const ROW_TILE = 16;

/** acc + a·b: fused in the relaxed-SIMD build (an x86 FMA), a multiply and an add otherwise. */
@inline function madd(a: v128, b: v128, acc: v128): v128 {
  return RELAXED != 0 ? f32x4.relaxed_madd(a, b, acc) : f32x4.add(acc, f32x4.mul(a, b));
}

@inline function dotF32(p: usize, a: usize, n: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    s0 = madd(v128.load(p + o), v128.load(a + o), s0);
    s1 = madd(v128.load(p + o, 16), v128.load(a + o, 16), s1);
    s2 = madd(v128.load(p + o, 32), v128.load(a + o, 32), s2);
    s3 = madd(v128.load(p + o, 48), v128.load(a + o, 48), s3);
  }
  let tail: f32 = 0;
  for (; i < n; i++) tail += load<f32>(p + (<usize>i << 2)) * load<f32>(a + (<usize>i << 2));
  const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3)) + tail;
}

/** Eight f16 weights → two f32x4 of value·2^-112 (exact; f16 inf/NaN are not special-cased). */
@inline function f16Lo(v: v128): v128 {
  return v128.and(i32x4.shl(i32x4.extend_low_i16x8_s(v), 13), i32x4.splat(0x8fffe000));
}
@inline function f16Hi(v: v128): v128 {
  return v128.and(i32x4.shl(i32x4.extend_high_i16x8_s(v), 13), i32x4.splat(0x8fffe000));
}

@inline function dotF16(p: usize, a: usize, n: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v0 = v128.load(p + (<usize>i << 1));
    const v1 = v128.load(p + (<usize>i << 1), 16);
    const o = a + (<usize>i << 2);
    s0 = madd(f16Lo(v0), v128.load(o), s0);
    s1 = madd(f16Hi(v0), v128.load(o, 16), s1);
    s2 = madd(f16Lo(v1), v128.load(o, 32), s2);
    s3 = madd(f16Hi(v1), v128.load(o, 48), s3);
  }
  let tail: f32 = 0;
  // the tail's activations are pre-scaled by 2^112 too: undo it in f64, exactly
  for (; i < n; i++) tail += <f32>(<f64>f16(load<u16>(p + (<usize>i << 1))) * <f64>load<f32>(a + (<usize>i << 2)) * 1.925929944387236e-34);
  const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3)) + tail;
}

@inline function dotBF16(p: usize, a: usize, n: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v0 = v128.load(p + (<usize>i << 1));
    const v1 = v128.load(p + (<usize>i << 1), 16);
    const o = a + (<usize>i << 2);
    s0 = madd(i32x4.shl(i32x4.extend_low_i16x8_u(v0), 16), v128.load(o), s0);
    s1 = madd(i32x4.shl(i32x4.extend_high_i16x8_u(v0), 16), v128.load(o, 16), s1);
    s2 = madd(i32x4.shl(i32x4.extend_low_i16x8_u(v1), 16), v128.load(o, 32), s2);
    s3 = madd(i32x4.shl(i32x4.extend_high_i16x8_u(v1), 16), v128.load(o, 48), s3);
  }
  let tail: f32 = 0;
  for (; i < n; i++) tail += reinterpret<f32>(<u32>load<u16>(p + (<usize>i << 1)) << 16) * load<f32>(a + (<usize>i << 2));
  const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3)) + tail;
}

/** Four weights i..i+3 of row p widened to f32x4 (f16 as value·2^-112, see dotF16). */
@inline function widen(kind: i32, p: usize, i: i32): v128 {
  if (kind == 0) return v128.load(p + (<usize>i << 2));
  const x = v128.load64_zero(p + (<usize>i << 1));
  if (kind == 1) return v128.and(i32x4.shl(i32x4.extend_low_i16x8_s(x), 13), i32x4.splat(0x8fffe000));
  return i32x4.shl(i32x4.extend_low_i16x8_u(x), 16);
}

@inline function hsumOrdered(s: v128): f32 {
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
}

/** Σ over elements [i0, n) one at a time (the activations are pre-scaled for F16, see dotF16). */
@inline function dotTail(kind: i32, p: usize, a: usize, i0: i32, n: i32): f32 {
  let tail: f32 = 0;
  for (let i = i0; i < n; i++) {
    const x = load<f32>(a + (<usize>i << 2));
    if (kind == 0) tail += load<f32>(p + (<usize>i << 2)) * x;
    else if (kind == 1) tail += <f32>(<f64>f16(load<u16>(p + (<usize>i << 1))) * <f64>x * 1.925929944387236e-34);
    else tail += reinterpret<f32>(<u32>load<u16>(p + (<usize>i << 1)) << 16) * x;
  }
  return tail;
}

/** acc + Σ_k w_k·a_k over four vectors of one token (activations at q), as one dependency chain. */
@inline function chain4(w0: v128, w1: v128, w2: v128, w3: v128, q: usize, acc: v128): v128 {
  return madd(w3, v128.load(q, 48), madd(w2, v128.load(q, 32), madd(w1, v128.load(q, 16), madd(w0, v128.load(q), acc))));
}

/**
 * One row against T (4 or 8) tokens: each run of 16 weights is widened once and feeds one
 * accumulator chain per token. The accumulators live in this thread's 128-byte scratch: the store
 * after each token's chain keeps V8 from hoisting every activation load of an iteration (it would
 * spill them all to the stack).
 */
@inline function tile(kind: i32, T: i32, p: usize, a: usize, stride: usize, n: i32, out: usize, rows: usize, scr: usize): void {
  for (let t = 0; t < T; t++) v128.store(scr + (<usize>t << 4), f32x4.splat(0));
  const n16 = n & ~15;
  for (let i = 0; i < n16; i += 16) {
    const w0 = widen(kind, p, i);
    const w1 = widen(kind, p, i + 4);
    const w2 = widen(kind, p, i + 8);
    const w3 = widen(kind, p, i + 12);
    let q = a + (<usize>i << 2);
    for (let t = 0; t < T; t++, q += stride) {
      const acc = scr + (<usize>t << 4);
      v128.store(acc, chain4(w0, w1, w2, w3, q, v128.load(acc)));
    }
  }
  const ro = rows << 2;
  for (let t = 0; t < T; t++) {
    const at = a + <usize>t * stride;
    store<f32>(out + <usize>t * ro, hsumOrdered(v128.load(scr + (<usize>t << 4))) + (n16 < n ? dotTail(kind, p, at, n16, n) : 0));
  }
}

@inline function drive(kind: i32, w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  const scr = scratch + (<usize>tid << 7);
  const rowBytes = <usize>cols << (kind == 0 ? 2 : 1);
  const stride = <usize>act_stride(2, cols, 0);
  const rowsU = <usize>rows;
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    let t = 0;
    for (; t + 8 <= nTok; t += 8) {
      const a = act + <usize>t * stride;
      for (let r = rt; r < re; r++) tile(kind, 8, w + <usize>r * rowBytes, a, stride, cols, out + ((<usize>t * rowsU + <usize>r) << 2), rowsU, scr);
    }
    for (; t + 4 <= nTok; t += 4) {
      const a = act + <usize>t * stride;
      for (let r = rt; r < re; r++) tile(kind, 4, w + <usize>r * rowBytes, a, stride, cols, out + ((<usize>t * rowsU + <usize>r) << 2), rowsU, scr);
    }
    for (; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * rowsU) << 2);
      for (let r = rt; r < re; r++) {
        const p = w + <usize>r * rowBytes;
        const v = kind == 0 ? dotF32(p, a, cols) : kind == 1 ? dotF16(p, a, cols) : dotBF16(p, a, cols);
        store<f32>(o + (<usize>r << 2), v);
      }
    }
  }
}

export function matmul_f32(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(0, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_f16(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(1, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_bf16(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(2, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
