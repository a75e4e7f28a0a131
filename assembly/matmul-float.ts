// Matrix products for unquantized weights (F32, F16, BF16) against activations already rounded to
// the weight's type (quantize.ts quantize_float), bit-exact with src/tensors/float-types.ts: the
// products are summed in f64 in four lanes by element index mod 4, the lanes combined as
// s0 + s1 + (s2 + s3), the n mod 4 tail added to s0 first. f16·f16 and bf16·bf16 products are
// exact in f32 (at most 22 / 16 significant bits) and widened afterwards; f32·f32 products are
// formed in f64. F16 weights are widened with shifts: (sign-extended bits << 13) & 0x8fffe000 is
// the value times 2^-112 as an f32, and the activations arrive pre-scaled by 2^112 (exact).
// Each f64 lane is a serial chain, so decode runs two rows and batches two tokens at a time.

import { f16 } from "./common";
import { act_stride } from "./quantize";

const ROW_TILE = 16;
/** 2^-112: undoes the f16 pre-scaling of an activation in the scalar tail. */
const UNSCALE: f64 = 1.925929944387236e-34;

/** Weights i .. i+3 of row p as f32x4 (f16 as value·2^-112). */
@inline function widen(kind: i32, p: usize, i: i32): v128 {
  if (kind == 0) return v128.load(p + (<usize>i << 2));
  const x = v128.load64_zero(p + (<usize>i << 1));
  if (kind == 1) return v128.and(i32x4.shl(i32x4.extend_low_i16x8_s(x), 13), i32x4.splat(0x8fffe000));
  return i32x4.shl(i32x4.extend_low_i16x8_u(x), 16);
}

/** f64 products of lanes 0, 1 (lo) or 2, 3 (hi) of four weights and four activations. */
@inline function prodLo(kind: i32, w: v128, a: v128): v128 {
  return kind == 0
    ? f64x2.mul(f64x2.promote_low_f32x4(w), f64x2.promote_low_f32x4(a))
    : f64x2.promote_low_f32x4(f32x4.mul(w, a));
}
@inline function prodHi(kind: i32, w: v128, a: v128): v128 {
  return kind == 0
    ? f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 2, 3)), f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 2, 3, 2, 3)))
    : f64x2.promote_low_f32x4(i32x4.shuffle(f32x4.mul(w, a), w, 2, 3, 2, 3));
}

/** Element i of row p times activation i (the scalar tail), in f64. */
@inline function prod1(kind: i32, p: usize, a: usize, i: i32): f64 {
  const x = <f64>load<f32>(a + (<usize>i << 2));
  if (kind == 0) return <f64>load<f32>(p + (<usize>i << 2)) * x;
  if (kind == 1) return <f64>f16(load<u16>(p + (<usize>i << 1))) * x * UNSCALE;
  return <f64>reinterpret<f32>(<u32>load<u16>(p + (<usize>i << 1)) << 16) * x;
}

/** fround(s0 + s1 + (s2 + s3)) after adding the tail [n & ~3, n) to s0, as the reference does. */
@inline function finish(kind: i32, s01: v128, s23: v128, p: usize, a: usize, n: i32): f32 {
  let s0 = f64x2.extract_lane(s01, 0);
  for (let i = n & ~3; i < n; i++) s0 += prod1(kind, p, a, i);
  return <f32>(s0 + f64x2.extract_lane(s01, 1) + (f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1)));
}

/** Rows p0 and p1 against one token: two independent pairs of lane chains. */
@inline function rows2(kind: i32, p0: usize, p1: usize, a: usize, n: i32, out0: usize, out1: usize): void {
  let x01 = f64x2.splat(0);
  let x23 = f64x2.splat(0);
  let y01 = f64x2.splat(0);
  let y23 = f64x2.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const av = v128.load(a + (<usize>i << 2));
    const w0 = widen(kind, p0, i);
    const w1 = widen(kind, p1, i);
    x01 = f64x2.add(x01, prodLo(kind, w0, av));
    x23 = f64x2.add(x23, prodHi(kind, w0, av));
    y01 = f64x2.add(y01, prodLo(kind, w1, av));
    y23 = f64x2.add(y23, prodHi(kind, w1, av));
  }
  store<f32>(out0, finish(kind, x01, x23, p0, a, n));
  store<f32>(out1, finish(kind, y01, y23, p1, a, n));
}

/** Row p against tokens a0 and a1: each run of four weights is widened once for both. */
@inline function tokens2(kind: i32, p: usize, a0: usize, a1: usize, n: i32, out0: usize, out1: usize): void {
  let x01 = f64x2.splat(0);
  let x23 = f64x2.splat(0);
  let y01 = f64x2.splat(0);
  let y23 = f64x2.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const w = widen(kind, p, i);
    const o = <usize>i << 2;
    const b0 = v128.load(a0 + o);
    const b1 = v128.load(a1 + o);
    x01 = f64x2.add(x01, prodLo(kind, w, b0));
    x23 = f64x2.add(x23, prodHi(kind, w, b0));
    y01 = f64x2.add(y01, prodLo(kind, w, b1));
    y23 = f64x2.add(y23, prodHi(kind, w, b1));
  }
  store<f32>(out0, finish(kind, x01, x23, p, a0, n));
  store<f32>(out1, finish(kind, y01, y23, p, a1, n));
}

@inline function row1(kind: i32, p: usize, a: usize, n: i32): f32 {
  let x01 = f64x2.splat(0);
  let x23 = f64x2.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const av = v128.load(a + (<usize>i << 2));
    const w = widen(kind, p, i);
    x01 = f64x2.add(x01, prodLo(kind, w, av));
    x23 = f64x2.add(x23, prodHi(kind, w, av));
  }
  return finish(kind, x01, x23, p, a, n);
}

@inline function drive(kind: i32, w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  const rowBytes = <usize>cols << (kind == 0 ? 2 : 1);
  const stride = <usize>act_stride(2, cols, 0);
  const rowsU = <usize>rows;
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    let t = 0;
    for (; t + 2 <= nTok; t += 2) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * rowsU) << 2);
      for (let r = rt; r < re; r++) tokens2(kind, w + <usize>r * rowBytes, a, a + stride, cols, o + (<usize>r << 2), o + ((rowsU + <usize>r) << 2));
    }
    for (; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * rowsU) << 2);
      let r = rt;
      for (; r + 2 <= re; r += 2) {
        const p = w + <usize>r * rowBytes;
        rows2(kind, p, p + rowBytes, a, cols, o + (<usize>r << 2), o + (<usize>r << 2) + 4);
      }
      if (r < re) store<f32>(o + (<usize>r << 2), row1(kind, w + <usize>r * rowBytes, a, cols));
    }
  }
}

export function matmul_f32(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32): void {
  drive(0, w, act, out, rows, cols, nTok, r0, r1);
}
export function matmul_f16(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32): void {
  drive(1, w, act, out, rows, cols, nTok, r0, r1);
}
export function matmul_bf16(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32): void {
  drive(2, w, act, out, rows, cols, nTok, r0, r1);
}
