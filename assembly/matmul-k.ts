// Matrix products for the K-quants (Q2_K … Q6_K, 256-element super-blocks) against Q8_K
// activations (quantize.ts): exact integer sums of scale·Σ level·a, the −4 / −32 level offsets and
// the mins through the activation's 16-element sums, then the float order of
// src/tensors/k-dots.ts, so results are bit-identical to it. Q4_K/Q5_K/Q6_K read packed quants as
// 16-bit lanes against evens-then-odds activations (perm = 1); Q2_K/Q3_K use element order.

import { f16, fma32, hsum } from "./common";
import { act_stride, qsK_offset } from "./quantize";

const ROW_TILE = 16;

/** Q4_K/Q5_K 6-bit scale j of the 12 scale bytes at s (k-quants.ts k4Scale). */
@inline function k4Sc(s: usize, j: i32): i32 {
  return j < 4 ? load<u8>(s + j) & 63 : (load<u8>(s + j + 4) & 15) | ((load<u8>(s + j - 4) >> 6) << 4);
}
/** Q4_K/Q5_K 6-bit min j (k-quants.ts k4Min). */
@inline function k4Mn(s: usize, j: i32): i32 {
  return j < 4 ? load<u8>(s + j + 4) & 63 : (load<u8>(s + j + 4) >> 4) | ((load<u8>(s + j) >> 6) << 4);
}
/** Σ_j min_j · (bsum_2j + bsum_2j+1) for a Q4_K/Q5_K block. */
@inline function k4Mins(s: usize, bs: usize): i32 {
  let summs = 0;
  for (let j = 0; j < 8; j++) summs += k4Mn(s, j) * (load<i32>(bs + (<usize>j << 3)) + load<i32>(bs + (<usize>j << 3), 4));
  return summs;
}

/** dot of one 16-element group: evens lanes e and odds lanes o against the group's activations at g. */
@inline function groupDot(e: v128, o: v128, g: usize): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(e, v128.load(g)), i32x4.dot_i16x8_s(o, v128.load(g, 16)));
}

@inline function dotQ4_K(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  const lo = i16x8.splat(0x0f);
  let sum: f32 = 0;
  let sumMins: f32 = 0;
  for (let b = 0; b < nb; b++, p += 144) {
    const A = a + qsOff + (<usize>b << 9);
    const sc = p + 4;
    let acc = i32x4.splat(0);
    for (let c = 0; c < 4; c++) {
      const v0 = v128.load(p + 16 + (<usize>c << 5));
      const v1 = v128.load(p + 32 + (<usize>c << 5));
      const G = A + (<usize>c << 7);
      const sLo = i32x4.add(
        groupDot(v128.and(v0, lo), v128.and(i16x8.shr_u(v0, 8), lo), G),
        groupDot(v128.and(v1, lo), v128.and(i16x8.shr_u(v1, 8), lo), G + 32),
      );
      const sHi = i32x4.add(
        groupDot(v128.and(i16x8.shr_u(v0, 4), lo), i16x8.shr_u(v0, 12), G + 64),
        groupDot(v128.and(i16x8.shr_u(v1, 4), lo), i16x8.shr_u(v1, 12), G + 96),
      );
      acc = i32x4.add(acc, i32x4.mul(sLo, i32x4.splat(k4Sc(sc, 2 * c))));
      acc = i32x4.add(acc, i32x4.mul(sHi, i32x4.splat(k4Sc(sc, 2 * c + 1))));
    }
    const dA = load<f32>(a + (<usize>b << 2));
    const summs = k4Mins(sc, a + (<usize>nb << 2) + (<usize>b << 6));
    sum = fma32(sum, f16(load<u16>(p)) * dA, <f64>hsum(acc));
    sumMins = fma32(sumMins, f16(load<u16>(p, 2)) * dA, -<f64>summs);
  }
  return sum + sumMins;
}

@inline function dotQ5_K(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  const lo = i16x8.splat(0x0f);
  const s16 = i16x8.splat(16);
  let sum: f32 = 0;
  let sumMins: f32 = 0;
  for (let b = 0; b < nb; b++, p += 176) {
    const A = a + qsOff + (<usize>b << 9);
    const sc = p + 4;
    const h0 = v128.load(p + 16);
    const h1 = v128.load(p + 32);
    const h40 = i16x8.shl(h0, 4);
    const h41 = i16x8.shl(h1, 4);
    let acc = i32x4.splat(0);
    for (let c = 0; c < 4; c++) {
      const v0 = v128.load(p + 48 + (<usize>c << 5));
      const v1 = v128.load(p + 64 + (<usize>c << 5));
      const G = A + (<usize>c << 7);
      const b0 = 2 * c;
      const b1 = 2 * c + 1;
      // fifth bit of element l: bit b of qh[l] → bit 4 (evens: low byte of the lane, odds: high byte)
      const sLo = i32x4.add(
        groupDot(
          v128.or(v128.and(v0, lo), v128.and(i16x8.shr_u(h40, b0), s16)),
          v128.or(v128.and(i16x8.shr_u(v0, 8), lo), v128.and(i16x8.shr_u(h0, 4 + b0), s16)),
          G,
        ),
        groupDot(
          v128.or(v128.and(v1, lo), v128.and(i16x8.shr_u(h41, b0), s16)),
          v128.or(v128.and(i16x8.shr_u(v1, 8), lo), v128.and(i16x8.shr_u(h1, 4 + b0), s16)),
          G + 32,
        ),
      );
      const sHi = i32x4.add(
        groupDot(
          v128.or(v128.and(i16x8.shr_u(v0, 4), lo), v128.and(i16x8.shr_u(h40, b1), s16)),
          v128.or(i16x8.shr_u(v0, 12), v128.and(i16x8.shr_u(h0, 4 + b1), s16)),
          G + 64,
        ),
        groupDot(
          v128.or(v128.and(i16x8.shr_u(v1, 4), lo), v128.and(i16x8.shr_u(h41, b1), s16)),
          v128.or(i16x8.shr_u(v1, 12), v128.and(i16x8.shr_u(h1, 4 + b1), s16)),
          G + 96,
        ),
      );
      acc = i32x4.add(acc, i32x4.mul(sLo, i32x4.splat(k4Sc(sc, b0))));
      acc = i32x4.add(acc, i32x4.mul(sHi, i32x4.splat(k4Sc(sc, b1))));
    }
    const dA = load<f32>(a + (<usize>b << 2));
    const summs = k4Mins(sc, a + (<usize>nb << 2) + (<usize>b << 6));
    sum = fma32(sum, f16(load<u16>(p)) * dA, <f64>hsum(acc));
    sumMins = fma32(sumMins, f16(load<u16>(p, 2)) * dA, -<f64>summs);
  }
  return sum + sumMins;
}

@inline function dotQ6_K(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  const lo = i16x8.splat(0x0f);
  const m30 = i16x8.splat(0x30);
  let sum: f32 = 0;
  for (let b = 0; b < nb; b++, p += 210) {
    const A = a + qsOff + (<usize>b << 9);
    const bs = a + (<usize>nb << 2) + (<usize>b << 6);
    const sc = p + 192;
    let bias = 0;
    for (let j = 0; j < 16; j++) bias += <i32>load<i8>(sc + j) * load<i32>(bs + (<usize>j << 2));
    let acc = i32x4.splat(0);
    for (let n = 0; n < 2; n++) {
      const ql = p + (<usize>n << 6);
      const qh = p + 128 + (<usize>n << 5);
      for (let ch = 0; ch < 2; ch++) {
        const v = v128.load(ql + (<usize>ch << 4));
        const v2 = v128.load(ql + 32 + (<usize>ch << 4));
        const h = v128.load(qh + (<usize>ch << 4));
        const g = 8 * n + ch; // group of q1; q2, q3, q4 are groups g + 2, g + 4, g + 6
        const G = A + (<usize>g << 5);
        const S = sc + g;
        const s1 = groupDot(
          v128.or(v128.and(v, lo), v128.and(i16x8.shl(h, 4), m30)),
          v128.or(v128.and(i16x8.shr_u(v, 8), lo), v128.and(i16x8.shr_u(h, 4), m30)),
          G,
        );
        const s2 = groupDot(
          v128.or(v128.and(v2, lo), v128.and(i16x8.shl(h, 2), m30)),
          v128.or(v128.and(i16x8.shr_u(v2, 8), lo), v128.and(i16x8.shr_u(h, 6), m30)),
          G + 64,
        );
        const s3 = groupDot(
          v128.or(v128.and(i16x8.shr_u(v, 4), lo), v128.and(h, m30)),
          v128.or(i16x8.shr_u(v, 12), v128.and(i16x8.shr_u(h, 8), m30)),
          G + 128,
        );
        const s4 = groupDot(
          v128.or(v128.and(i16x8.shr_u(v2, 4), lo), v128.and(i16x8.shr_u(h, 2), m30)),
          v128.or(i16x8.shr_u(v2, 12), v128.and(i16x8.shr_u(h, 10), m30)),
          G + 192,
        );
        acc = i32x4.add(acc, i32x4.mul(s1, i32x4.splat(<i32>load<i8>(S))));
        acc = i32x4.add(acc, i32x4.mul(s2, i32x4.splat(<i32>load<i8>(S, 2))));
        acc = i32x4.add(acc, i32x4.mul(s3, i32x4.splat(<i32>load<i8>(S, 4))));
        acc = i32x4.add(acc, i32x4.mul(s4, i32x4.splat(<i32>load<i8>(S, 6))));
      }
    }
    const d = f16(load<u16>(p, 208)) * load<f32>(a + (<usize>b << 2));
    sum = fma32(sum, d, <f64>(hsum(acc) - 32 * bias));
  }
  return sum;
}

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

@inline function drive(kind: i32, w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  const nb = cols >> 8;
  const blockBytes = kind == 2 ? 84 : kind == 3 ? 110 : kind == 4 ? 144 : kind == 5 ? 176 : 210;
  const rowBytes = <usize>nb * blockBytes;
  const perm = kind >= 4 ? 1 : 0;
  const stride = <usize>act_stride(1, cols, perm);
  const qsOff = qsK_offset(cols);
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    for (let t = 0; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * <usize>rows) << 2);
      for (let r = rt; r < re; r++) {
        const p = w + <usize>r * rowBytes;
        const v =
          kind == 2 ? dotQ2_K(p, a, nb, qsOff)
          : kind == 3 ? dotQ3_K(p, a, nb, qsOff)
          : kind == 4 ? dotQ4_K(p, a, nb, qsOff)
          : kind == 5 ? dotQ5_K(p, a, nb, qsOff)
          : dotQ6_K(p, a, nb, qsOff);
        store<f32>(o + (<usize>r << 2), v);
      }
    }
  }
}

export function matmul_q2_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  drive(2, w, act, out, rows, cols, nTok, r0, r1);
}
export function matmul_q3_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  drive(3, w, act, out, rows, cols, nTok, r0, r1);
}
export function matmul_q4_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  drive(4, w, act, out, rows, cols, nTok, r0, r1);
}
export function matmul_q5_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  drive(5, w, act, out, rows, cols, nTok, r0, r1);
}
export function matmul_q6_k(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  drive(6, w, act, out, rows, cols, nTok, r0, r1);
}
