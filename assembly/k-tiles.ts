// Q4_K, Q5_K and Q6_K products for one row against T = 1 or 4 tokens. Each 32 (Q4_K/Q5_K) or 16
// (Q6_K) quants are decoded once and multiplied with every token's activations; the integer sums
// scale·Σ level·a are exact, so the per-super-block float chain reproduces src/tensors/k-dots.ts
// bit for bit. Two multiplication paths: plain SIMD128 reads quants as 16-bit lanes against i16
// activations stored evens-then-odds (i32x4.dot_i16x8_s); the relaxed-SIMD build multiplies bytes
// against element-order i8 activations (i16x8.relaxed_dot_i8x16_i7x16_s: levels ≤ 63 fit the
// 7-bit operand, so it is exact everywhere) and applies the sub-block scales with one
// i32x4.dot_i16x8_s against the broadcast scale. Per-token accumulators live in `scratch` (128 bytes).

import { f16 } from "./common";
import { f16x4, hsum4 } from "./legacy-tiles";

export const Q4_K: i32 = 4;
export const Q5_K: i32 = 5;
export const Q6_K: i32 = 6;

@inline export function relaxedK(kind: i32): bool {
  return RELAXED != 0 && (kind == Q4_K || kind == Q5_K || kind == Q6_K);
}

@inline function rdot(a: v128, w: v128): v128 {
  return i16x8.relaxed_dot_i8x16_i7x16_s(a, w);
}

/** fr(s + d·i) per lane pair, as in legacy-tiles.ts. */
@inline function chainLo(s: v128, d: v128, i: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.add(s, f64x2.mul(f64x2.promote_low_f32x4(d), f64x2.convert_low_i32x4_s(i)))));
}
@inline function chainHi(s: v128, d: v128, i: v128): v128 {
  return chainLo(s, i32x4.shuffle(d, d, 2, 3, 2, 3), i32x4.shuffle(i, i, 2, 3, 2, 3));
}
@inline function result(s01: v128, s23: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(s01), f32x4.demote_f64x2_zero(s23), 0, 1, 4, 5);
}

/** acc_t += v, for the accumulator of token t in scratch. */
@inline function accAdd(scratch: usize, t: i32, v: v128): void {
  const p = scratch + (<usize>t << 4);
  v128.store(p, i32x4.add(v128.load(p), v));
}

/** Σ of the evens (e) and odds (o) of a 16-group against its i16 activations at g. */
@inline function groupDot(e: v128, o: v128, g: usize): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(e, v128.load(g)), i32x4.dot_i16x8_s(o, v128.load(g, 16)));
}

// ---- Q4_K / Q5_K ----

/**
 * Chunk c (64 quants: sub-block 2c in the low nibbles, 2c+1 in the high) of the super-block at p,
 * for T tokens. bLo/bHi broadcast the two sub-blocks' scales (i16 lanes for relaxed, i32 for plain).
 */
@inline function k4Chunk(kind: i32, T: i32, p: usize, c: i32, A: usize, stride: usize, bLo: v128, bHi: v128, scratch: usize): void {
  const qs = p + (kind == Q5_K ? 48 : 16) + (<usize>c << 5);
  const v0 = v128.load(qs);
  const v1 = v128.load(qs, 16);
  if (relaxedK(kind)) {
    const m = i8x16.splat(0x0f);
    let lo0 = v128.and(v0, m);
    let lo1 = v128.and(v1, m);
    let hi0 = v128.and(i16x8.shr_u(v0, 4), m);
    let hi1 = v128.and(i16x8.shr_u(v1, 4), m);
    if (kind == Q5_K) {
      // fifth bit of quant l: bit 2c (low nibbles) or 2c+1 (high) of qh[l], moved to bit 4
      const one = i8x16.splat(1);
      const h0 = v128.load(p + 16);
      const h1 = v128.load(p + 32);
      lo0 = v128.or(lo0, i16x8.shl(v128.and(i16x8.shr_u(h0, 2 * c), one), 4));
      lo1 = v128.or(lo1, i16x8.shl(v128.and(i16x8.shr_u(h1, 2 * c), one), 4));
      hi0 = v128.or(hi0, i16x8.shl(v128.and(i16x8.shr_u(h0, 2 * c + 1), one), 4));
      hi1 = v128.or(hi1, i16x8.shl(v128.and(i16x8.shr_u(h1, 2 * c + 1), one), 4));
    }
    for (let t = 0; t < T; t++) {
      const a = A + <usize>t * stride + (<usize>c << 6);
      const sLo = i16x8.add(rdot(v128.load(a), lo0), rdot(v128.load(a, 16), lo1));
      const sHi = i16x8.add(rdot(v128.load(a, 32), hi0), rdot(v128.load(a, 48), hi1));
      accAdd(scratch, t, i32x4.add(i32x4.dot_i16x8_s(sLo, bLo), i32x4.dot_i16x8_s(sHi, bHi)));
    }
  } else {
    const lo = i16x8.splat(0x0f);
    let e0 = v128.and(v0, lo);
    let o0 = v128.and(i16x8.shr_u(v0, 8), lo);
    let e1 = v128.and(v1, lo);
    let o1 = v128.and(i16x8.shr_u(v1, 8), lo);
    let e2 = v128.and(i16x8.shr_u(v0, 4), lo);
    let o2 = i16x8.shr_u(v0, 12);
    let e3 = v128.and(i16x8.shr_u(v1, 4), lo);
    let o3 = i16x8.shr_u(v1, 12);
    if (kind == Q5_K) {
      const s16 = i16x8.splat(16);
      const h0 = v128.load(p + 16);
      const h1 = v128.load(p + 32);
      const b0 = 2 * c;
      const b1 = 2 * c + 1;
      e0 = v128.or(e0, v128.and(i16x8.shr_u(i16x8.shl(h0, 4), b0), s16));
      o0 = v128.or(o0, v128.and(i16x8.shr_u(h0, 4 + b0), s16));
      e1 = v128.or(e1, v128.and(i16x8.shr_u(i16x8.shl(h1, 4), b0), s16));
      o1 = v128.or(o1, v128.and(i16x8.shr_u(h1, 4 + b0), s16));
      e2 = v128.or(e2, v128.and(i16x8.shr_u(i16x8.shl(h0, 4), b1), s16));
      o2 = v128.or(o2, v128.and(i16x8.shr_u(h0, 4 + b1), s16));
      e3 = v128.or(e3, v128.and(i16x8.shr_u(i16x8.shl(h1, 4), b1), s16));
      o3 = v128.or(o3, v128.and(i16x8.shr_u(h1, 4 + b1), s16));
    }
    for (let t = 0; t < T; t++) {
      const G = A + <usize>t * stride + (<usize>c << 7);
      const sLo = i32x4.add(groupDot(e0, o0, G), groupDot(e1, o1, G + 32));
      const sHi = i32x4.add(groupDot(e2, o2, G + 64), groupDot(e3, o3, G + 96));
      accAdd(scratch, t, i32x4.add(i32x4.mul(sLo, bLo), i32x4.mul(sHi, bHi)));
    }
  }
}

/**
 * Row p (nb super-blocks) against tokens t < T: returns f32x4 with token t's result in lane t.
 * a: token 0's activation (d f32[nb] | bsums i32[16·nb] | qs at qsOff), tokens `stride` apart.
 */
@inline export function k4Tile(kind: i32, T: i32, p: usize, a: usize, stride: usize, nb: i32, qsOff: i32, scratch: usize): v128 {
  const blockBytes: usize = kind == Q5_K ? 176 : 144;
  const qsBlock: usize = relaxedK(kind) ? 256 : 512;
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let m01 = f64x2.splat(0);
  let m23 = f64x2.splat(0);
  for (let b = 0; b < nb; b++, p += blockBytes) {
    // Unpack the 12 scale bytes into 8 scales and 8 mins (ggml's utmp shuffle).
    const u0 = load<u32>(p, 4);
    const u1 = load<u32>(p, 8);
    const u2 = load<u32>(p, 12);
    const sc0 = u0 & 0x3f3f3f3f;
    const sc1 = (u2 & 0x0f0f0f0f) | (((u0 >> 6) & 0x03030303) << 4);
    const mn0 = u1 & 0x3f3f3f3f;
    const mn1 = ((u2 >> 4) & 0x0f0f0f0f) | (((u1 >> 6) & 0x03030303) << 4);
    const bytes = i32x4(sc0, sc1, mn0, mn1);
    const sc16 = i16x8.extend_low_i8x16_u(bytes);
    const mins = i16x8.extend_high_i8x16_u(bytes);
    const A = a + qsOff + (<usize>b) * qsBlock;
    for (let t = 0; t < T; t++) v128.store(scratch + (<usize>t << 4), i32x4.splat(0));
    if (relaxedK(kind)) {
      k4Chunk(kind, T, p, 0, A, stride, i8x16.shuffle(sc16, sc16, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1), i8x16.shuffle(sc16, sc16, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3), scratch);
      k4Chunk(kind, T, p, 1, A, stride, i8x16.shuffle(sc16, sc16, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5), i8x16.shuffle(sc16, sc16, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7), scratch);
      k4Chunk(kind, T, p, 2, A, stride, i8x16.shuffle(sc16, sc16, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9), i8x16.shuffle(sc16, sc16, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11), scratch);
      k4Chunk(kind, T, p, 3, A, stride, i8x16.shuffle(sc16, sc16, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13), i8x16.shuffle(sc16, sc16, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15), scratch);
    } else {
      const s32lo = i32x4.extend_low_i16x8_u(sc16);
      const s32hi = i32x4.extend_high_i16x8_u(sc16);
      k4Chunk(kind, T, p, 0, A, stride, i32x4.shuffle(s32lo, s32lo, 0, 0, 0, 0), i32x4.shuffle(s32lo, s32lo, 1, 1, 1, 1), scratch);
      k4Chunk(kind, T, p, 1, A, stride, i32x4.shuffle(s32lo, s32lo, 2, 2, 2, 2), i32x4.shuffle(s32lo, s32lo, 3, 3, 3, 3), scratch);
      k4Chunk(kind, T, p, 2, A, stride, i32x4.shuffle(s32hi, s32hi, 0, 0, 0, 0), i32x4.shuffle(s32hi, s32hi, 1, 1, 1, 1), scratch);
      k4Chunk(kind, T, p, 3, A, stride, i32x4.shuffle(s32hi, s32hi, 2, 2, 2, 2), i32x4.shuffle(s32hi, s32hi, 3, 3, 3, 3), scratch);
    }
    // Mins: Σ_j min_j·(bsum_2j + bsum_2j+1) per token, with the mins duplicated to the 16 bsums.
    const mLo = i32x4.extend_low_i16x8_u(mins);
    const mHi = i32x4.extend_high_i16x8_u(mins);
    const bo = <usize>b << 2;
    let ms = i32x4.splat(0);
    for (let t = 0; t < T; t++) {
      const bs = a + <usize>t * stride + (<usize>nb << 2) + (<usize>b << 6);
      const b0 = v128.load(bs);
      const b1 = v128.load(bs, 16);
      const b2 = v128.load(bs, 32);
      const b3 = v128.load(bs, 48);
      const p01 = i32x4.add(i32x4.shuffle(b0, b1, 0, 2, 4, 6), i32x4.shuffle(b0, b1, 1, 3, 5, 7));
      const p23 = i32x4.add(i32x4.shuffle(b2, b3, 0, 2, 4, 6), i32x4.shuffle(b2, b3, 1, 3, 5, 7));
      v128.store(scratch + 64 + (<usize>t << 4), i32x4.add(i32x4.mul(p01, mLo), i32x4.mul(p23, mHi)));
    }
    const zero = i32x4.splat(0);
    let isum: v128;
    if (T == 4) {
      isum = hsum4(v128.load(scratch), v128.load(scratch, 16), v128.load(scratch, 32), v128.load(scratch, 48));
      ms = hsum4(v128.load(scratch, 64), v128.load(scratch, 80), v128.load(scratch, 96), v128.load(scratch, 112));
    } else {
      isum = hsum4(v128.load(scratch), zero, zero, zero);
      ms = hsum4(v128.load(scratch, 64), zero, zero, zero);
    }
    let dA: v128;
    if (T == 4) {
      dA = v128.load32_zero(a + bo);
      dA = v128.load32_lane(a + stride + bo, dA, 1);
      dA = v128.load32_lane(a + 2 * stride + bo, dA, 2);
      dA = v128.load32_lane(a + 3 * stride + bo, dA, 3);
    } else dA = v128.load32_splat(a + bo);
    const d = f32x4.mul(f32x4.splat(f16(load<u16>(p))), dA);
    const dm = f32x4.mul(f32x4.splat(f16(load<u16>(p, 2))), dA);
    s01 = chainLo(s01, d, isum);
    s23 = chainHi(s23, d, isum);
    const nms = i32x4.neg(ms);
    m01 = chainLo(m01, dm, nms);
    m23 = chainHi(m23, dm, nms);
  }
  return f32x4.add(result(s01, s23), result(m01, m23));
}

// ---- Q6_K ----

/**
 * Quants l = 16ch … 16ch+15 of half n of the super-block at p (groups g, g+2, g+4, g+6 with
 * g = 8n + ch), for T tokens; b1..b4 broadcast the four groups' scales.
 */
@inline function k6Unit(T: i32, p: usize, n: i32, ch: i32, A: usize, stride: usize, b1: v128, b2: v128, b3: v128, b4: v128, scratch: usize): void {
  const ql = p + (<usize>n << 6) + (<usize>ch << 4);
  const v = v128.load(ql);
  const v2 = v128.load(ql, 32);
  const h = v128.load(p + 128 + (<usize>n << 5) + (<usize>ch << 4));
  const g = 8 * n + ch;
  if (RELAXED != 0) {
    const m = i8x16.splat(0x0f);
    const m30 = i8x16.splat(0x30);
    const q1 = v128.or(v128.and(v, m), v128.and(i16x8.shl(h, 4), m30));
    const q2 = v128.or(v128.and(v2, m), v128.and(i16x8.shl(h, 2), m30));
    const q3 = v128.or(v128.and(i16x8.shr_u(v, 4), m), v128.and(h, m30));
    const q4 = v128.or(v128.and(i16x8.shr_u(v2, 4), m), v128.and(i16x8.shr_u(h, 2), m30));
    for (let t = 0; t < T; t++) {
      const a = A + <usize>t * stride + (<usize>g << 4);
      const s = i32x4.add(
        i32x4.add(i32x4.dot_i16x8_s(rdot(v128.load(a), q1), b1), i32x4.dot_i16x8_s(rdot(v128.load(a, 32), q2), b2)),
        i32x4.add(i32x4.dot_i16x8_s(rdot(v128.load(a, 64), q3), b3), i32x4.dot_i16x8_s(rdot(v128.load(a, 96), q4), b4)),
      );
      accAdd(scratch, t, s);
    }
  } else {
    const lo = i16x8.splat(0x0f);
    const m30 = i16x8.splat(0x30);
    const e1 = v128.or(v128.and(v, lo), v128.and(i16x8.shl(h, 4), m30));
    const o1 = v128.or(v128.and(i16x8.shr_u(v, 8), lo), v128.and(i16x8.shr_u(h, 4), m30));
    const e2 = v128.or(v128.and(v2, lo), v128.and(i16x8.shl(h, 2), m30));
    const o2 = v128.or(v128.and(i16x8.shr_u(v2, 8), lo), v128.and(i16x8.shr_u(h, 6), m30));
    const e3 = v128.or(v128.and(i16x8.shr_u(v, 4), lo), v128.and(h, m30));
    const o3 = v128.or(i16x8.shr_u(v, 12), v128.and(i16x8.shr_u(h, 8), m30));
    const e4 = v128.or(v128.and(i16x8.shr_u(v2, 4), lo), v128.and(i16x8.shr_u(h, 2), m30));
    const o4 = v128.or(i16x8.shr_u(v2, 12), v128.and(i16x8.shr_u(h, 10), m30));
    for (let t = 0; t < T; t++) {
      const G = A + <usize>t * stride + (<usize>g << 5);
      const s = i32x4.add(
        i32x4.add(i32x4.mul(groupDot(e1, o1, G), b1), i32x4.mul(groupDot(e2, o2, G + 64), b2)),
        i32x4.add(i32x4.mul(groupDot(e3, o3, G + 128), b3), i32x4.mul(groupDot(e4, o4, G + 192), b4)),
      );
      accAdd(scratch, t, s);
    }
  }
}

/** Q6_K row p against tokens t < T, as k4Tile. */
@inline export function k6Tile(T: i32, p: usize, a: usize, stride: usize, nb: i32, qsOff: i32, scratch: usize): v128 {
  const qsBlock: usize = RELAXED != 0 ? 256 : 512;
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  for (let b = 0; b < nb; b++, p += 210) {
    const scv = v128.load(p, 192);
    const A = a + qsOff + (<usize>b) * qsBlock;
    for (let t = 0; t < T; t++) v128.store(scratch + (<usize>t << 4), i32x4.splat(0));
    const lo16 = i16x8.extend_low_i8x16_s(scv); //  scales 0..7 as i16
    const hi16 = i16x8.extend_high_i8x16_s(scv); // scales 8..15
    const l32a = i32x4.extend_low_i16x8_s(lo16); //  scales 0..3 as i32
    const l32b = i32x4.extend_high_i16x8_s(lo16); // 4..7
    const h32a = i32x4.extend_low_i16x8_s(hi16); //  8..11
    const h32b = i32x4.extend_high_i16x8_s(hi16); // 12..15
    if (RELAXED != 0) {
      // groups (n, ch): n = 0 → scales ch, ch+2, ch+4, ch+6 of lo16; n = 1 → of hi16
      k6Unit(T, p, 0, 0, A, stride,
        i8x16.shuffle(lo16, lo16, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1), i8x16.shuffle(lo16, lo16, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5),
        i8x16.shuffle(lo16, lo16, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9), i8x16.shuffle(lo16, lo16, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13), scratch);
      k6Unit(T, p, 0, 1, A, stride,
        i8x16.shuffle(lo16, lo16, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3), i8x16.shuffle(lo16, lo16, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7),
        i8x16.shuffle(lo16, lo16, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11), i8x16.shuffle(lo16, lo16, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15), scratch);
      k6Unit(T, p, 1, 0, A, stride,
        i8x16.shuffle(hi16, hi16, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1), i8x16.shuffle(hi16, hi16, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5),
        i8x16.shuffle(hi16, hi16, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9), i8x16.shuffle(hi16, hi16, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13), scratch);
      k6Unit(T, p, 1, 1, A, stride,
        i8x16.shuffle(hi16, hi16, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3), i8x16.shuffle(hi16, hi16, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7),
        i8x16.shuffle(hi16, hi16, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11), i8x16.shuffle(hi16, hi16, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15), scratch);
    } else {
      k6Unit(T, p, 0, 0, A, stride, i32x4.shuffle(l32a, l32a, 0, 0, 0, 0), i32x4.shuffle(l32a, l32a, 2, 2, 2, 2), i32x4.shuffle(l32b, l32b, 0, 0, 0, 0), i32x4.shuffle(l32b, l32b, 2, 2, 2, 2), scratch);
      k6Unit(T, p, 0, 1, A, stride, i32x4.shuffle(l32a, l32a, 1, 1, 1, 1), i32x4.shuffle(l32a, l32a, 3, 3, 3, 3), i32x4.shuffle(l32b, l32b, 1, 1, 1, 1), i32x4.shuffle(l32b, l32b, 3, 3, 3, 3), scratch);
      k6Unit(T, p, 1, 0, A, stride, i32x4.shuffle(h32a, h32a, 0, 0, 0, 0), i32x4.shuffle(h32a, h32a, 2, 2, 2, 2), i32x4.shuffle(h32b, h32b, 0, 0, 0, 0), i32x4.shuffle(h32b, h32b, 2, 2, 2, 2), scratch);
      k6Unit(T, p, 1, 1, A, stride, i32x4.shuffle(h32a, h32a, 1, 1, 1, 1), i32x4.shuffle(h32a, h32a, 3, 3, 3, 3), i32x4.shuffle(h32b, h32b, 1, 1, 1, 1), i32x4.shuffle(h32b, h32b, 3, 3, 3, 3), scratch);
    }
    // bias = Σ_j sc_j·bsum_j per token (the −32 level offset)
    for (let t = 0; t < T; t++) {
      const bs = a + <usize>t * stride + (<usize>nb << 2) + (<usize>b << 6);
      const x = i32x4.add(
        i32x4.add(i32x4.mul(v128.load(bs), l32a), i32x4.mul(v128.load(bs, 16), l32b)),
        i32x4.add(i32x4.mul(v128.load(bs, 32), h32a), i32x4.mul(v128.load(bs, 48), h32b)),
      );
      v128.store(scratch + 64 + (<usize>t << 4), x);
    }
    const zero = i32x4.splat(0);
    let isum: v128;
    let bias: v128;
    if (T == 4) {
      isum = hsum4(v128.load(scratch), v128.load(scratch, 16), v128.load(scratch, 32), v128.load(scratch, 48));
      bias = hsum4(v128.load(scratch, 64), v128.load(scratch, 80), v128.load(scratch, 96), v128.load(scratch, 112));
    } else {
      isum = hsum4(v128.load(scratch), zero, zero, zero);
      bias = hsum4(v128.load(scratch, 64), zero, zero, zero);
    }
    const bo = <usize>b << 2;
    let dA: v128;
    if (T == 4) {
      dA = v128.load32_zero(a + bo);
      dA = v128.load32_lane(a + stride + bo, dA, 1);
      dA = v128.load32_lane(a + 2 * stride + bo, dA, 2);
      dA = v128.load32_lane(a + 3 * stride + bo, dA, 3);
    } else dA = v128.load32_splat(a + bo);
    const d = f32x4.mul(f32x4.splat(f16(load<u16>(p, 208))), dA);
    const x = i32x4.sub(isum, i32x4.shl(bias, 5));
    s01 = chainLo(s01, d, x);
    s23 = chainHi(s23, d, x);
  }
  return result(s01, s23);
}

// ---- decode: two rows against one token, accumulators in registers ----

/** Scales (i16 lanes 0..7) and mins (i16 lanes 0..7) of a Q4_K/Q5_K super-block at p. */
@inline function k4Scales(p: usize): v128 {
  const u0 = load<u32>(p, 4);
  const u1 = load<u32>(p, 8);
  const u2 = load<u32>(p, 12);
  return i32x4(
    u0 & 0x3f3f3f3f,
    (u2 & 0x0f0f0f0f) | (((u0 >> 6) & 0x03030303) << 4),
    u1 & 0x3f3f3f3f,
    ((u2 >> 4) & 0x0f0f0f0f) | (((u1 >> 6) & 0x03030303) << 4),
  );
}

/** Σ sc·Σ level·a of chunk c of one Q4_K/Q5_K row (relaxed path), added to acc. */
@inline function k4ChunkRow(kind: i32, p: usize, c: i32, a0: v128, a1: v128, a2: v128, a3: v128, bLo: v128, bHi: v128, acc: v128): v128 {
  const qs = p + (kind == Q5_K ? 48 : 16) + (<usize>c << 5);
  const v0 = v128.load(qs);
  const v1 = v128.load(qs, 16);
  const m = i8x16.splat(0x0f);
  let lo0 = v128.and(v0, m);
  let lo1 = v128.and(v1, m);
  let hi0 = v128.and(i16x8.shr_u(v0, 4), m);
  let hi1 = v128.and(i16x8.shr_u(v1, 4), m);
  if (kind == Q5_K) {
    const one = i8x16.splat(1);
    const h0 = v128.load(p + 16);
    const h1 = v128.load(p + 32);
    lo0 = v128.or(lo0, i16x8.shl(v128.and(i16x8.shr_u(h0, 2 * c), one), 4));
    lo1 = v128.or(lo1, i16x8.shl(v128.and(i16x8.shr_u(h1, 2 * c), one), 4));
    hi0 = v128.or(hi0, i16x8.shl(v128.and(i16x8.shr_u(h0, 2 * c + 1), one), 4));
    hi1 = v128.or(hi1, i16x8.shl(v128.and(i16x8.shr_u(h1, 2 * c + 1), one), 4));
  }
  const sLo = i16x8.add(rdot(a0, lo0), rdot(a1, lo1));
  const sHi = i16x8.add(rdot(a2, hi0), rdot(a3, hi1));
  return i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(sLo, bLo), i32x4.dot_i16x8_s(sHi, bHi)));
}

@inline function k4RowBlock(kind: i32, p: usize, A: usize, sc16: v128): v128 {
  let acc = i32x4.splat(0);
  acc = k4ChunkRow(kind, p, 0, v128.load(A), v128.load(A, 16), v128.load(A, 32), v128.load(A, 48),
    i8x16.shuffle(sc16, sc16, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1), i8x16.shuffle(sc16, sc16, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3), acc);
  acc = k4ChunkRow(kind, p, 1, v128.load(A, 64), v128.load(A, 80), v128.load(A, 96), v128.load(A, 112),
    i8x16.shuffle(sc16, sc16, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5), i8x16.shuffle(sc16, sc16, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7), acc);
  acc = k4ChunkRow(kind, p, 2, v128.load(A, 128), v128.load(A, 144), v128.load(A, 160), v128.load(A, 176),
    i8x16.shuffle(sc16, sc16, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9), i8x16.shuffle(sc16, sc16, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11), acc);
  return k4ChunkRow(kind, p, 3, v128.load(A, 192), v128.load(A, 208), v128.load(A, 224), v128.load(A, 240),
    i8x16.shuffle(sc16, sc16, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13), i8x16.shuffle(sc16, sc16, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15), acc);
}

@inline function hsum1(v: v128): i32 {
  const s = i32x4.add(v, i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1);
}

/**
 * Rows p0 and p1 (Q4_K/Q5_K, relaxed build) against one token: out0, out1. Same arithmetic as
 * k4Tile; the activation's bsum pairs are formed once for both rows.
 */
@inline export function k4Rows2(kind: i32, p0: usize, p1: usize, a: usize, nb: i32, qsOff: i32, out0: usize, out1: usize): void {
  const blockBytes: usize = kind == Q5_K ? 176 : 144;
  let x: f32 = 0;
  let xm: f32 = 0;
  let y: f32 = 0;
  let ym: f32 = 0;
  for (let b = 0; b < nb; b++, p0 += blockBytes, p1 += blockBytes) {
    const A = a + qsOff + (<usize>b << 8);
    const bs = a + (<usize>nb << 2) + (<usize>b << 6);
    const b0 = v128.load(bs);
    const b1 = v128.load(bs, 16);
    const b2 = v128.load(bs, 32);
    const b3 = v128.load(bs, 48);
    const p01 = i32x4.add(i32x4.shuffle(b0, b1, 0, 2, 4, 6), i32x4.shuffle(b0, b1, 1, 3, 5, 7));
    const p23 = i32x4.add(i32x4.shuffle(b2, b3, 0, 2, 4, 6), i32x4.shuffle(b2, b3, 1, 3, 5, 7));
    const dA = load<f32>(a + (<usize>b << 2));
    const s0 = k4Scales(p0);
    const m0 = i16x8.extend_high_i8x16_u(s0);
    const i0 = hsum1(k4RowBlock(kind, p0, A, i16x8.extend_low_i8x16_u(s0)));
    const n0 = hsum1(i32x4.add(i32x4.mul(p01, i32x4.extend_low_i16x8_u(m0)), i32x4.mul(p23, i32x4.extend_high_i16x8_u(m0))));
    x = <f32>(<f64>x + <f64>(f16(load<u16>(p0)) * dA) * <f64>i0);
    xm = <f32>(<f64>xm - <f64>(f16(load<u16>(p0, 2)) * dA) * <f64>n0);
    const s1 = k4Scales(p1);
    const m1 = i16x8.extend_high_i8x16_u(s1);
    const i1 = hsum1(k4RowBlock(kind, p1, A, i16x8.extend_low_i8x16_u(s1)));
    const n1 = hsum1(i32x4.add(i32x4.mul(p01, i32x4.extend_low_i16x8_u(m1)), i32x4.mul(p23, i32x4.extend_high_i16x8_u(m1))));
    y = <f32>(<f64>y + <f64>(f16(load<u16>(p1)) * dA) * <f64>i1);
    ym = <f32>(<f64>ym - <f64>(f16(load<u16>(p1, 2)) * dA) * <f64>n1);
  }
  store<f32>(out0, x + xm);
  store<f32>(out1, y + ym);
}
