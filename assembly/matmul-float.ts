// Matrix products for unquantized weights (F32, F16, BF16) against activations already rounded to
// the weight's type (quantize.ts quantize_float). Every product is exact in f32 (f16·f16 and
// bf16·bf16 need at most 22 / 16 significant bits); the sums run in four f32x4 accumulators, as
// ggml's SIMD f32 lanes do, so they differ from the reference's double sums by rounding only.
// F16 weights are widened with shifts: (sign-extended bits << 13) & 0x8fffe000 is the f16 value
// times 2^-112 as an f32, and the activations arrive pre-scaled by 2^112 (quantize_float type 3).

import { f16 } from "./common";
import { act_stride } from "./quantize";

const ROW_TILE = 16;

@inline function dotF32(p: usize, a: usize, n: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(p + o), v128.load(a + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(p + o, 16), v128.load(a + o, 16)));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(p + o, 32), v128.load(a + o, 32)));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(p + o, 48), v128.load(a + o, 48)));
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
    s0 = f32x4.add(s0, f32x4.mul(f16Lo(v0), v128.load(o)));
    s1 = f32x4.add(s1, f32x4.mul(f16Hi(v0), v128.load(o, 16)));
    s2 = f32x4.add(s2, f32x4.mul(f16Lo(v1), v128.load(o, 32)));
    s3 = f32x4.add(s3, f32x4.mul(f16Hi(v1), v128.load(o, 48)));
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
    s0 = f32x4.add(s0, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(v0), 16), v128.load(o)));
    s1 = f32x4.add(s1, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(v0), 16), v128.load(o, 16)));
    s2 = f32x4.add(s2, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(v1), 16), v128.load(o, 32)));
    s3 = f32x4.add(s3, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(v1), 16), v128.load(o, 48)));
  }
  let tail: f32 = 0;
  for (; i < n; i++) tail += reinterpret<f32>(<u32>load<u16>(p + (<usize>i << 1)) << 16) * load<f32>(a + (<usize>i << 2));
  const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3)) + tail;
}

@inline function drive(kind: i32, w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  const rowBytes = <usize>cols << (kind == 0 ? 2 : 1);
  const stride = <usize>act_stride(2, cols, 0);
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    for (let t = 0; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * <usize>rows) << 2);
      for (let r = rt; r < re; r++) {
        const p = w + <usize>r * rowBytes;
        const v = kind == 0 ? dotF32(p, a, cols) : kind == 1 ? dotF16(p, a, cols) : dotBF16(p, a, cols);
        store<f32>(o + (<usize>r << 2), v);
      }
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
