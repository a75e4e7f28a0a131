// Matrix products for the K-quants (Q2_K … Q6_K, 256-element super-blocks) against Q8_K
// activations (quantize.ts): exact integer sums of scale·Σ level·a, the −4 / −32 level offsets and
// the mins through the activation's 16-element sums, then the float order of
// src/tensors/k-dots.ts, so results are bit-identical to it. Q4_K/Q5_K/Q6_K run in k-tiles.ts (one
// row against four tokens at a time in batches); Q2_K/Q3_K here, one row and token at a time.

import { f16, fma32, hsum } from "./common";
import { act_stride, qsK_offset } from "./quantize";
import * as K from "./k-tiles";

const ROW_TILE = 16;

/** Σ level·a over 16 elements: u8 levels (0..7) in v against element-order i8 activations at q. */
@inline function levelDot16(v: v128, q: usize): v128 {
  return i32x4.add(
    i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(v), v128.load8x8_s(q)),
    i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(v), v128.load8x8_s(q, 8)),
  );
}

@inline function dotQ2_K(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  const m3 = i8x16.splat(3);
  let sum: f32 = 0;
  let sumMins: f32 = 0;
  for (let b = 0; b < nb; b++, p += 84) {
    const A = a + qsOff + (<usize>b << 8);
    const bs = a + (<usize>nb << 2) + (<usize>b << 6);
    let summs = 0;
    for (let j = 0; j < 16; j++) summs += (<i32>load<u8>(p + j) >> 4) * load<i32>(bs + (<usize>j << 2));
    let acc = i32x4.splat(0);
    for (let h = 0; h < 2; h++) {
      const vA = v128.load(p + 16 + (<usize>h << 5));
      const vB = v128.load(p + 32 + (<usize>h << 5));
      for (let j = 0; j < 4; j++) {
        const g = 8 * h + 2 * j;
        const q = A + (<usize>g << 4);
        const lA = v128.and(i16x8.shr_u(vA, 2 * j), m3);
        const lB = v128.and(i16x8.shr_u(vB, 2 * j), m3);
        acc = i32x4.add(acc, i32x4.mul(levelDot16(lA, q), i32x4.splat(<i32>load<u8>(p + g) & 15)));
        acc = i32x4.add(acc, i32x4.mul(levelDot16(lB, q + 16), i32x4.splat(<i32>load<u8>(p + g + 1) & 15)));
      }
    }
    const dA = load<f32>(a + (<usize>b << 2));
    sum = fma32(sum, dA * f16(load<u16>(p, 80)), <f64>hsum(acc));
    sumMins = fma32(sumMins, dA * f16(load<u16>(p, 82)), -<f64>summs);
  }
  return sum + sumMins;
}

/** Q3_K 6-bit signed scale j from the 12 scale bytes at s (k-quants.ts q3kScale). */
@inline function q3Scale(s: usize, j: i32): i32 {
  const low = j < 8 ? <i32>load<u8>(s + j) & 15 : <i32>load<u8>(s + j - 8) >> 4;
  return (low | (((<i32>load<u8>(s + 8 + (j & 3)) >> (2 * (j >> 2))) & 3) << 4)) - 32;
}

@inline function dotQ3_K(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  const m3 = i8x16.splat(3);
  const m1 = i8x16.splat(1);
  let sum: f32 = 0;
  for (let b = 0; b < nb; b++, p += 110) {
    const A = a + qsOff + (<usize>b << 8);
    const bs = a + (<usize>nb << 2) + (<usize>b << 6);
    const sc = p + 96;
    let bias = 0;
    for (let j = 0; j < 16; j++) bias += q3Scale(sc, j) * load<i32>(bs + (<usize>j << 2));
    const mA = v128.load(p);
    const mB = v128.load(p + 16);
    let acc = i32x4.splat(0);
    for (let h = 0; h < 2; h++) {
      const vA = v128.load(p + 32 + (<usize>h << 5));
      const vB = v128.load(p + 48 + (<usize>h << 5));
      for (let j = 0; j < 4; j++) {
        const g = 8 * h + 2 * j;
        const q = A + (<usize>g << 4);
        const s = 4 * h + j;
        const lA = v128.or(v128.and(i16x8.shr_u(vA, 2 * j), m3), i16x8.shl(v128.and(i16x8.shr_u(mA, s), m1), 2));
        const lB = v128.or(v128.and(i16x8.shr_u(vB, 2 * j), m3), i16x8.shl(v128.and(i16x8.shr_u(mB, s), m1), 2));
        acc = i32x4.add(acc, i32x4.mul(levelDot16(lA, q), i32x4.splat(q3Scale(sc, g))));
        acc = i32x4.add(acc, i32x4.mul(levelDot16(lB, q + 16), i32x4.splat(q3Scale(sc, g + 1))));
      }
    }
    const d = f16(load<u16>(p, 108)) * load<f32>(a + (<usize>b << 2));
    sum = fma32(sum, d, <f64>(hsum(acc) - 4 * bias));
  }
  return sum;
}

// ---- drivers: rows [r0, r1) × all tokens, out[t·rows + r] ----

@inline function drive(kind: i32, w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  const nb = cols >> 8;
  const blockBytes = kind == 2 ? 84 : kind == 3 ? 110 : kind == 4 ? 144 : kind == 5 ? 176 : 210;
  const rowBytes = <usize>nb * blockBytes;
  const perm = kind >= 4 && !K.relaxedK(kind) ? 1 : 0;
  const stride = <usize>act_stride(1, cols, perm);
  const qsOff = qsK_offset(cols);
  const scr = scratch + (<usize>tid << 7);
  const rowsU = <usize>rows;
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    let t = 0;
    if (kind >= 4) {
      for (; t + 4 <= nTok; t += 4) {
        const a = act + <usize>t * stride;
        for (let r = rt; r < re; r++) {
          const p = w + <usize>r * rowBytes;
          const v = kind == 6 ? K.k6Tile(4, p, a, stride, nb, qsOff, scr) : K.k4Tile(kind, 4, p, a, stride, nb, qsOff, scr);
          const o = out + ((<usize>t * rowsU + <usize>r) << 2);
          store<f32>(o, f32x4.extract_lane(v, 0));
          store<f32>(o + (rowsU << 2), f32x4.extract_lane(v, 1));
          store<f32>(o + (rowsU << 3), f32x4.extract_lane(v, 2));
          store<f32>(o + 3 * (rowsU << 2), f32x4.extract_lane(v, 3));
        }
      }
    }
    for (; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * rowsU) << 2);
      let r = rt;
      // Q4_K/Q5_K decode: two rows share each activation load (measured: two-row Q6_K was slower)
      if ((kind == 4 || kind == 5) && K.relaxedK(kind)) {
        for (; r + 2 <= re; r += 2) {
          const p = w + <usize>r * rowBytes;
          K.k4Rows2(kind, p, p + rowBytes, a, nb, qsOff, o + (<usize>r << 2), o + (<usize>r << 2) + 4);
        }
      }
      for (; r < re; r++) {
        const p = w + <usize>r * rowBytes;
        const v: f32 =
          kind == 2 ? dotQ2_K(p, a, nb, qsOff)
          : kind == 3 ? dotQ3_K(p, a, nb, qsOff)
          : kind == 6 ? f32x4.extract_lane(K.k6Tile(1, p, a, stride, nb, qsOff, scr), 0)
          : f32x4.extract_lane(K.k4Tile(kind, 1, p, a, stride, nb, qsOff, scr), 0);
        store<f32>(o + (<usize>r << 2), v);
      }
    }
  }
}

export function matmul_q2_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(2, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_q3_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(3, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_q4_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(4, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_q5_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(5, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_q6_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(6, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
