// Multi-row and multi-token tiles for the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0).
// A row's f32 sum is a serial chain (one rounding per block, the reference's order), whose
// latency caps a one-row loop at ~10 cycles per block; four rows (decode) or four tokens (prompt
// batches) run four independent chains in f64x2 lanes, and share the activation (decode) or the
// decoded weight block (batches). Scales are widened in SIMD: sign | (h & 0x7fff) << 13 times
// 2^112 is the exact f32 value of every finite f16 (inf/NaN scales, absent from valid files,
// become large finite values instead).

import { f16 } from "./common";

// Kinds (compile-time constants after inlining, so every branch below folds away).
export const Q4_0: i32 = 0;
export const Q4_1: i32 = 1;
export const Q5_0: i32 = 2;
export const Q5_1: i32 = 3;
export const Q8_0: i32 = 4;

/**
 * With relaxed SIMD (a separate build), Q4_0 and Q4_1 multiply bytes: i16x8.relaxed_dot_i8x16_i7x16_s
 * takes 16 signed activations and 16 nibbles (0..15, within its 7-bit operand, so the result is
 * exact on every engine) per instruction, against activations in element order.
 */
@inline export function relaxedKind(kind: i32): bool {
  return RELAXED != 0 && (kind == Q4_0 || kind == Q4_1);
}

@inline export function blockBytes(kind: i32): usize {
  return kind == Q4_0 ? 18 : kind == Q4_1 ? 20 : kind == Q5_0 ? 22 : kind == Q5_1 ? 24 : 34;
}
/** Bytes of one block's quants in the activation (i8 for Q8_0, permuted i16 otherwise). */
@inline export function actBlockBytes(kind: i32): usize {
  return kind == Q8_0 || relaxedKind(kind) ? 32 : 64;
}
/** Whether the activation is i16 evens-then-odds (else i8 in element order). */
@inline export function actPermuted(kind: i32): bool {
  return kind != Q8_0 && !relaxedKind(kind);
}
@inline export function hasMin(kind: i32): bool {
  return kind == Q4_1 || kind == Q5_1;
}

/** [Σ r0, Σ r1, Σ r2, Σ r3]: the lane sums of four i32x4. */
@inline export function hsum4(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(r0, r1, 0, 4, 1, 5), i32x4.shuffle(r0, r1, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(r2, r3, 0, 4, 1, 5), i32x4.shuffle(r2, r3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

/** Exact f32 values of four f16 bit patterns held in the low halves of i32 lanes (finite inputs). */
@inline export function f16x4(h: v128): v128 {
  const mag = f32x4.mul(i32x4.shl(v128.and(h, i32x4.splat(0x7fff)), 13), f32x4.splat(5.192296858534828e33));
  return v128.or(mag, i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16));
}

/** Four u16 at p + k·stride as the low halves of four i32 lanes. */
@inline function gather16(p: usize, stride: usize): v128 {
  let v = v128.load16_lane(p, i32x4.splat(0), 0);
  v = v128.load16_lane(p + stride, v, 2);
  v = v128.load16_lane(p + 2 * stride, v, 4);
  return v128.load16_lane(p + 3 * stride, v, 6);
}
/** Four 32-bit values at p + k·stride. */
@inline function gather32(p: usize, stride: usize): v128 {
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + stride, v, 1);
  v = v128.load32_lane(p + 2 * stride, v, 2);
  return v128.load32_lane(p + 3 * stride, v, 3);
}

/**
 * fr(s + d·i) per lane for lanes 0, 1 (lo) and 2, 3 (hi): the reference's per-block step, in f64
 * with one rounding to f32. The relaxed build does the same step as one f32x4.relaxed_madd: the
 * build is used only where that multiply-add is fused (kernel-module.ts checks), and then it is
 * exact, as i (|i| < 2^24 for these block types) converts to f32 without rounding and d·i is
 * rounded once with the sum.
 */
@inline function chainLo(s: v128, d: v128, i: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.add(s, f64x2.mul(f64x2.promote_low_f32x4(d), f64x2.convert_low_i32x4_s(i)))));
}
@inline function chainHi(s: v128, d: v128, i: v128): v128 {
  return chainLo(s, i32x4.shuffle(d, d, 2, 3, 2, 3), i32x4.shuffle(i, i, 2, 3, 2, 3));
}
@inline function chainResult(s01: v128, s23: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(s01), f32x4.demote_f64x2_zero(s23), 0, 1, 4, 5);
}

/** 0xffff in the 16-bit lanes whose fifth bit (bit 2k or 2k+1 of `half`) is clear. */
@inline function clearBits(half: u32, odd: bool): v128 {
  const m = odd
    ? i16x8(2, 8, 32, 128, 512, 2048, 8192, -32768)
    : i16x8(1, 4, 16, 64, 256, 1024, 4096, 16384);
  return i16x8.eq(v128.and(i16x8.splat(<i16>half), m), i16x8.splat(0));
}

/** The 16 quant bytes of a nibble block (unused for Q8_0). */
@inline function wBytes(kind: i32, p: usize): v128 {
  return kind == Q8_0 ? i32x4.splat(0) : v128.load(p + (kind == Q4_0 ? 2 : kind == Q4_1 ? 4 : kind == Q5_0 ? 6 : 8));
}
/** The 32 fifth bits of a Q5 block (unused otherwise). */
@inline function wHigh(kind: i32, p: usize): u32 {
  return kind == Q5_0 ? load<u32>(p, 2) : kind == Q5_1 ? load<u32>(p, 4) : 0;
}

/**
 * Weight vector i (0..3) of the block at p as i16x8, lined up with activation vector i: element
 * order for Q8_0 (loaded), evens-then-odds per 16 for the nibble types (from v, qh).
 */
@inline function wVec(kind: i32, p: usize, v: v128, qh: u32, i: i32): v128 {
  if (kind == Q8_0) return v128.load8x8_s(p + 2 + (<usize>i << 3));
  const lo = i16x8.splat(0x0f);
  const x = i == 0 ? v128.and(v, lo) : i == 1 ? v128.and(i16x8.shr_u(v, 8), lo) : i == 2 ? v128.and(i16x8.shr_u(v, 4), lo) : i16x8.shr_u(v, 12);
  if (kind != Q5_0 && kind != Q5_1) return x;
  const c = v128.and(clearBits(i < 2 ? qh & 0xffff : qh >>> 16, (i & 1) != 0), i16x8.splat(16));
  // Q5_0: level − 16 = nibble − (16 where the fifth bit is clear); Q5_1: nibble + (16 where set)
  return kind == Q5_0 ? i16x8.sub(x, c) : i16x8.add(x, i16x8.sub(i16x8.splat(16), c));
}

@inline function dot4(w0: v128, w1: v128, w2: v128, w3: v128, a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  return i32x4.add(i32x4.add(i32x4.dot_i16x8_s(w0, a0), i32x4.dot_i16x8_s(w1, a1)), i32x4.add(i32x4.dot_i16x8_s(w2, a2), i32x4.dot_i16x8_s(w3, a3)));
}

/** Σ w·a of the block at p against activation vectors a0..a3, as i32x4 partial sums. */
@inline export function blockDot(kind: i32, p: usize, a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  if (relaxedKind(kind)) return nibbleDotRelaxed(wBytes(kind, p), a0, a1);
  // literal offsets: V8 folds them into the load instead of computing each address
  if (kind == Q8_0) return dot4(v128.load8x8_s(p, 2), v128.load8x8_s(p, 10), v128.load8x8_s(p, 18), v128.load8x8_s(p, 26), a0, a1, a2, a3);
  const v = wBytes(kind, p);
  const qh = wHigh(kind, p);
  return dot4(wVec(kind, p, v, qh, 0), wVec(kind, p, v, qh, 1), wVec(kind, p, v, qh, 2), wVec(kind, p, v, qh, 3), a0, a1, a2, a3);
}

/** 32 nibbles (16 bytes, low nibbles = elements 0..15) against 32 i8 activations (a0, a1). */
@inline function nibbleDotRelaxed(v: v128, a0: v128, a1: v128): v128 {
  const m = i8x16.splat(0x0f);
  const lo = v128.and(v, m);
  const hi = v128.and(i16x8.shr_u(v, 4), m);
  // |Σ| ≤ 4·15·127 fits i16; the pairwise widening is i32x4.extadd_pairwise_i16x8_s
  return i32x4.extadd_pairwise_i16x8_s(i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(a0, lo), i16x8.relaxed_dot_i8x16_i7x16_s(a1, hi)));
}

/** Activation vector i of a block: i8 pairs of 8 widened (Q8_0), 16 raw bytes (relaxed), or i16. */
@inline export function actVec(kind: i32, q: usize, i: i32): v128 {
  if (relaxedKind(kind)) return i == 0 ? v128.load(q) : i == 1 ? v128.load(q, 16) : i32x4.splat(0);
  if (kind == Q8_0) return i == 0 ? v128.load8x8_s(q) : i == 1 ? v128.load8x8_s(q, 8) : i == 2 ? v128.load8x8_s(q, 16) : v128.load8x8_s(q, 24);
  return i == 0 ? v128.load(q) : i == 1 ? v128.load(q, 16) : i == 2 ? v128.load(q, 32) : v128.load(q, 48);
}

/**
 * Rows r .. r+3 of one token: out[r + k] for k < 4. `a` is the token's activation (d f32[nb] |
 * aux[nb] | qs at qsOff); `scratch` holds 64 bytes of this thread's memory.
 */
@inline export function matvec4(kind: i32, w: usize, rowBytes: usize, a: usize, nb: i32, qsOff: i32, out: usize, scratch: usize): void {
  const aux = a + (<usize>nb << 2);
  let q = a + qsOff;
  let p = w;
  let sf = f32x4.splat(0);
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let mins = f32x4.splat(0);
  const bb = blockBytes(kind);
  for (let b = 0; b < nb; b++, p += bb, q += actBlockBytes(kind)) {
    const a0 = actVec(kind, q, 0);
    const a1 = actVec(kind, q, 1);
    const a2 = actVec(kind, q, 2);
    const a3 = actVec(kind, q, 3);
    // Storing each row's partial sums keeps V8 from hoisting all four rows' loads (and spilling).
    v128.store(scratch, blockDot(kind, p, a0, a1, a2, a3));
    v128.store(scratch, blockDot(kind, p + rowBytes, a0, a1, a2, a3), 16);
    v128.store(scratch, blockDot(kind, p + 2 * rowBytes, a0, a1, a2, a3), 32);
    v128.store(scratch, blockDot(kind, p + 3 * rowBytes, a0, a1, a2, a3), 48);
    let isum = hsum4(v128.load(scratch), v128.load(scratch, 16), v128.load(scratch, 32), v128.load(scratch, 48));
    if (kind == Q4_0) isum = i32x4.sub(isum, i32x4.splat(8 * load<i32>(aux + (<usize>b << 2))));
    const d = f32x4.mul(f16x4(gather16(p, rowBytes)), f32x4.splat(load<f32>(a + (<usize>b << 2))));
    if (RELAXED != 0) sf = f32x4.relaxed_madd(d, f32x4.convert_i32x4_s(isum), sf);
    else {
      s01 = chainLo(s01, d, isum);
      s23 = chainHi(s23, d, isum);
    }
    if (hasMin(kind)) mins = f32x4.add(mins, f32x4.mul(f16x4(gather16(p + 2, rowBytes)), f32x4.splat(load<f32>(aux + (<usize>b << 2)))));
  }
  const r = RELAXED != 0 ? sf : chainResult(s01, s23);
  v128.store(out, hasMin(kind) ? f32x4.add(r, mins) : r);
}

/**
 * One row against tokens t .. t+3: out[k·rows] for k < 4 (out points at token t's output of this
 * row). Each weight block is decoded once for the four tokens.
 */
@inline export function gemm4(kind: i32, p: usize, a: usize, stride: usize, nb: i32, qsOff: i32, out: usize, rows: usize, scratch: usize): void {
  const aux = a + (<usize>nb << 2);
  let q = a + qsOff;
  let sf = f32x4.splat(0);
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let mins = f32x4.splat(0);
  const bb = blockBytes(kind);
  for (let b = 0; b < nb; b++, p += bb, q += actBlockBytes(kind)) {
    if (relaxedKind(kind)) {
      const m = i8x16.splat(0x0f);
      const v = wBytes(kind, p);
      const lo = v128.and(v, m);
      const hi = v128.and(i16x8.shr_u(v, 4), m);
      for (let t = 0; t < 4; t++) {
        const qt = q + <usize>t * stride;
        const s16 = i16x8.add(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(qt), lo), i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(qt, 16), hi));
        v128.store(scratch + (<usize>t << 4), i32x4.extadd_pairwise_i16x8_s(s16));
      }
    } else {
      const v = wBytes(kind, p);
      const qh = wHigh(kind, p);
      const w0 = wVec(kind, p, v, qh, 0);
      const w1 = wVec(kind, p, v, qh, 1);
      const w2 = wVec(kind, p, v, qh, 2);
      const w3 = wVec(kind, p, v, qh, 3);
      for (let t = 0; t < 4; t++) {
        const qt = q + <usize>t * stride;
        v128.store(scratch + (<usize>t << 4), dot4(w0, w1, w2, w3, actVec(kind, qt, 0), actVec(kind, qt, 1), actVec(kind, qt, 2), actVec(kind, qt, 3)));
      }
    }
    let isum = hsum4(v128.load(scratch), v128.load(scratch, 16), v128.load(scratch, 32), v128.load(scratch, 48));
    const bo = <usize>b << 2;
    if (kind == Q4_0) isum = i32x4.sub(isum, i32x4.shl(gather32(aux + bo, stride), 3));
    const d = f32x4.mul(f32x4.splat(f16(load<u16>(p))), gather32(a + bo, stride));
    if (RELAXED != 0) sf = f32x4.relaxed_madd(d, f32x4.convert_i32x4_s(isum), sf);
    else {
      s01 = chainLo(s01, d, isum);
      s23 = chainHi(s23, d, isum);
    }
    if (hasMin(kind)) mins = f32x4.add(mins, f32x4.mul(f32x4.splat(f16(load<u16>(p, 2))), gather32(aux + bo, stride)));
  }
  let r = RELAXED != 0 ? sf : chainResult(s01, s23);
  if (hasMin(kind)) r = f32x4.add(r, mins);
  const o = rows << 2;
  store<f32>(out, f32x4.extract_lane(r, 0));
  store<f32>(out + o, f32x4.extract_lane(r, 1));
  store<f32>(out + 2 * o, f32x4.extract_lane(r, 2));
  store<f32>(out + 3 * o, f32x4.extract_lane(r, 3));
}
