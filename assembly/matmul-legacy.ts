// Matrix products for the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) against
// activations converted by quantize.ts: exact integer block sums (i32x4.dot_i16x8_s), then the
// reference's float order per row, fr(sum + fr(d_w·d_a)·Σ), so results are bit-identical to
// src/tensors/legacy-dots.ts. Each export computes rows [r0, r1) for all nTok tokens.
// Nibble types read a 16-byte run of quants as eight 16-bit lanes: lane k holds bytes 2k, 2k+1,
// whose four nibbles meet the activations stored evens-then-odds (quantize.ts, perm = 1).

import { f16, fma32, hsum } from "./common";
import { act_stride, qs32_offset } from "./quantize";

/** Rows per tile: their weights stay in cache while every token's activations pass by. */
const ROW_TILE = 16;

// ---- one row · one token ----

@inline function dotQ8_0(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  let sum: f32 = 0;
  let q = a + qsOff;
  for (let b = 0; b < nb; b++, p += 34, q += 32) {
    let acc = i32x4.dot_i16x8_s(v128.load8x8_s(p, 2), v128.load8x8_s(q));
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.load8x8_s(p, 10), v128.load8x8_s(q, 8)));
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.load8x8_s(p, 18), v128.load8x8_s(q, 16)));
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.load8x8_s(p, 26), v128.load8x8_s(q, 24)));
    sum = fma32(sum, f16(load<u16>(p)) * load<f32>(a + (<usize>b << 2)), <f64>hsum(acc));
  }
  return sum;
}

/** Σ of the 32 nibble·activation products of one block (16 quant bytes at p). */
@inline function nibbleDot(v: v128, q: usize): v128 {
  const lo = i16x8.splat(0x0f);
  let acc = i32x4.dot_i16x8_s(v128.and(v, lo), v128.load(q));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.and(i16x8.shr_u(v, 8), lo), v128.load(q, 16)));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.and(i16x8.shr_u(v, 4), lo), v128.load(q, 32)));
  return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.shr_u(v, 12), v128.load(q, 48)));
}

@inline function dotQ4_0(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  let sum: f32 = 0;
  let q = a + qsOff;
  const aux = a + (<usize>nb << 2);
  for (let b = 0; b < nb; b++, p += 18, q += 64) {
    const s = hsum(nibbleDot(v128.load(p, 2), q)) - 8 * load<i32>(aux + (<usize>b << 2));
    sum = fma32(sum, f16(load<u16>(p)) * load<f32>(a + (<usize>b << 2)), <f64>s);
  }
  return sum;
}

@inline function dotQ4_1(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  let sum: f32 = 0;
  let summs: f32 = 0;
  let q = a + qsOff;
  const aux = a + (<usize>nb << 2);
  for (let b = 0; b < nb; b++, p += 20, q += 64) {
    const s = hsum(nibbleDot(v128.load(p, 4), q));
    sum = fma32(sum, f16(load<u16>(p)) * load<f32>(a + (<usize>b << 2)), <f64>s);
    summs = summs + f16(load<u16>(p, 2)) * load<f32>(aux + (<usize>b << 2));
  }
  return sum + summs;
}

/**
 * The 16-bit lanes of the fifth bits of one Q5 block: for lane k, bit 2k (evens) or 2k+1 (odds)
 * of the low or high half of qh, as 0xffff where the bit is clear.
 */
@inline function clearBits(half: u32, odd: bool): v128 {
  const m = odd
    ? i16x8(2, 8, 32, 128, 512, 2048, 8192, -32768)
    : i16x8(1, 4, 16, 64, 256, 1024, 4096, 16384);
  return i16x8.eq(v128.and(i16x8.splat(<i16>half), m), i16x8.splat(0));
}

/** Σ level·a of one Q5 block with levels nibble | hb·16, minus 16 per level when offset. */
@inline function q5Dot(v: v128, qh: u32, q: usize, offset: bool): v128 {
  const lo = i16x8.splat(0x0f);
  const s16 = i16x8.splat(16);
  const e0 = v128.and(v, lo);
  const o0 = v128.and(i16x8.shr_u(v, 8), lo);
  const e1 = v128.and(i16x8.shr_u(v, 4), lo);
  const o1 = i16x8.shr_u(v, 12);
  const h0 = qh & 0xffff;
  const h1 = qh >>> 16;
  // offset (Q5_0): level − 16 = nibble − (16 where the bit is clear); else nibble + (16 where set)
  const ce0 = v128.and(clearBits(h0, false), s16);
  const co0 = v128.and(clearBits(h0, true), s16);
  const ce1 = v128.and(clearBits(h1, false), s16);
  const co1 = v128.and(clearBits(h1, true), s16);
  const x0 = offset ? i16x8.sub(e0, ce0) : i16x8.add(e0, i16x8.sub(s16, ce0));
  const x1 = offset ? i16x8.sub(o0, co0) : i16x8.add(o0, i16x8.sub(s16, co0));
  const x2 = offset ? i16x8.sub(e1, ce1) : i16x8.add(e1, i16x8.sub(s16, ce1));
  const x3 = offset ? i16x8.sub(o1, co1) : i16x8.add(o1, i16x8.sub(s16, co1));
  let acc = i32x4.dot_i16x8_s(x0, v128.load(q));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(x1, v128.load(q, 16)));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(x2, v128.load(q, 32)));
  return i32x4.add(acc, i32x4.dot_i16x8_s(x3, v128.load(q, 48)));
}

@inline function dotQ5_0(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  let sum: f32 = 0;
  let q = a + qsOff;
  for (let b = 0; b < nb; b++, p += 22, q += 64) {
    const s = hsum(q5Dot(v128.load(p, 6), load<u32>(p, 2), q, true));
    sum = fma32(sum, f16(load<u16>(p)) * load<f32>(a + (<usize>b << 2)), <f64>s);
  }
  return sum;
}

@inline function dotQ5_1(p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  let sum: f32 = 0;
  let summs: f32 = 0;
  let q = a + qsOff;
  const aux = a + (<usize>nb << 2);
  for (let b = 0; b < nb; b++, p += 24, q += 64) {
    const s = hsum(q5Dot(v128.load(p, 8), load<u32>(p, 4), q, false));
    sum = fma32(sum, f16(load<u16>(p)) * load<f32>(a + (<usize>b << 2)), <f64>s);
    summs = summs + f16(load<u16>(p, 2)) * load<f32>(aux + (<usize>b << 2));
  }
  return sum + summs;
}

// ---- drivers: rows [r0, r1) × all tokens, out[t·rows + r] ----

export function matmul_q8_0(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  const nb = cols >> 5;
  const rowBytes = <usize>nb * 34;
  const stride = <usize>act_stride(0, cols, 0);
  const qsOff = qs32_offset(cols);
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    for (let t = 0; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * <usize>rows) << 2);
      for (let r = rt; r < re; r++) store<f32>(o + (<usize>r << 2), dotQ8_0(w + <usize>r * rowBytes, a, nb, qsOff));
    }
  }
}

export function matmul_q4_0(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  const nb = cols >> 5;
  const rowBytes = <usize>nb * 18;
  const stride = <usize>act_stride(0, cols, 1);
  const qsOff = qs32_offset(cols);
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    for (let t = 0; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * <usize>rows) << 2);
      for (let r = rt; r < re; r++) store<f32>(o + (<usize>r << 2), dotQ4_0(w + <usize>r * rowBytes, a, nb, qsOff));
    }
  }
}

export function matmul_q4_1(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  const nb = cols >> 5;
  const rowBytes = <usize>nb * 20;
  const stride = <usize>act_stride(0, cols, 1);
  const qsOff = qs32_offset(cols);
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    for (let t = 0; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * <usize>rows) << 2);
      for (let r = rt; r < re; r++) store<f32>(o + (<usize>r << 2), dotQ4_1(w + <usize>r * rowBytes, a, nb, qsOff));
    }
  }
}

export function matmul_q5_0(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  const nb = cols >> 5;
  const rowBytes = <usize>nb * 22;
  const stride = <usize>act_stride(0, cols, 1);
  const qsOff = qs32_offset(cols);
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    for (let t = 0; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * <usize>rows) << 2);
      for (let r = rt; r < re; r++) store<f32>(o + (<usize>r << 2), dotQ5_0(w + <usize>r * rowBytes, a, nb, qsOff));
    }
  }
}

export function matmul_q5_1(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, r0: i32, r1: i32): void {
  const nb = cols >> 5;
  const rowBytes = <usize>nb * 24;
  const stride = <usize>act_stride(0, cols, 1);
  const qsOff = qs32_offset(cols);
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    for (let t = 0; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * <usize>rows) << 2);
      for (let r = rt; r < re; r++) store<f32>(o + (<usize>r << 2), dotQ5_1(w + <usize>r * rowBytes, a, nb, qsOff));
    }
  }
}
