// Matrix products for the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) against
// activations converted by quantize.ts: exact integer block sums (i32x4.dot_i16x8_s), then the
// reference's float order per row, fr(sum + fr(d_w·d_a)·Σ), so results are bit-identical to
// src/tensors/legacy-dots.ts. Each export computes rows [r0, r1) for all nTok tokens.
// Nibble types read a 16-byte run of quants as eight 16-bit lanes: lane k holds bytes 2k, 2k+1,
// whose four nibbles meet the activations stored evens-then-odds (quantize.ts, perm = 1).

import { f16, fma32, hsum } from "./common";
import { act_stride, qs32_offset } from "./quantize";
import * as T from "./legacy-tiles";

/** Rows per tile: their weights stay in cache while every token's activations pass by. */
const ROW_TILE = 16;

// ---- drivers: rows [r0, r1) × all tokens, out[t·rows + r] ----

/** One row against one token: the reference's per-block float chain, for rows left over by the tiles. */
@inline function dotOne(kind: i32, p: usize, a: usize, nb: i32, qsOff: i32): f32 {
  const aux = a + (<usize>nb << 2);
  let q = a + qsOff;
  let sum: f32 = 0;
  let summs: f32 = 0;
  for (let b = 0; b < nb; b++, p += T.blockBytes(kind), q += T.actBlockBytes(kind)) {
    let s = hsum(T.blockDot(kind, p, T.actVec(kind, q, 0), T.actVec(kind, q, 1), T.actVec(kind, q, 2), T.actVec(kind, q, 3)));
    if (kind == T.Q4_0) s -= 8 * load<i32>(aux + (<usize>b << 2));
    sum = fma32(sum, f16(load<u16>(p)) * load<f32>(a + (<usize>b << 2)), <f64>s);
    if (T.hasMin(kind)) summs = summs + f16(load<u16>(p, 2)) * load<f32>(aux + (<usize>b << 2));
  }
  return T.hasMin(kind) ? sum + summs : sum;
}

/**
 * Tiles of ROW_TILE rows: first groups of four tokens (one row at a time, the weight block decoded
 * once per group), then the remaining tokens four rows at a time, then single rows.
 * `scratch` + 128·tid is this thread's scratch slot.
 */
@inline function drive(kind: i32, w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  const nb = cols >> 5;
  const rowBytes = <usize>nb * T.blockBytes(kind);
  const stride = <usize>act_stride(0, cols, T.actPermuted(kind) ? 1 : 0);
  const qsOff = qs32_offset(cols);
  const scr = scratch + (<usize>tid << 7);
  const rowsU = <usize>rows;
  for (let rt = r0; rt < r1; rt += ROW_TILE) {
    const re = min(rt + ROW_TILE, r1);
    let t = 0;
    for (; t + 4 <= nTok; t += 4) {
      for (let r = rt; r < re; r++) {
        T.gemm4(kind, w + <usize>r * rowBytes, act + <usize>t * stride, stride, nb, qsOff, out + ((<usize>t * rowsU + <usize>r) << 2), rowsU, scr);
      }
    }
    for (; t < nTok; t++) {
      const a = act + <usize>t * stride;
      const o = out + ((<usize>t * rowsU) << 2);
      let r = rt;
      for (; r + 4 <= re; r += 4) T.matvec4(kind, w + <usize>r * rowBytes, rowBytes, a, nb, qsOff, o + (<usize>r << 2), scr);
      for (; r < re; r++) store<f32>(o + (<usize>r << 2), dotOne(kind, w + <usize>r * rowBytes, a, nb, qsOff));
    }
  }
}

export function matmul_q8_0(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(T.Q8_0, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_q4_0(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(T.Q4_0, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_q4_1(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(T.Q4_1, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_q5_0(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(T.Q5_0, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
export function matmul_q5_1(w: usize, act: usize, out: usize, rows: i32, cols: i32, nTok: i32, scratch: usize, r0: i32, r1: i32, tid: i32): void {
  drive(T.Q5_1, w, act, out, rows, cols, nTok, scratch, r0, r1, tid);
}
