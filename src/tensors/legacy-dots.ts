// Dot products of a legacy-quant weight row with an activation row already quantized to Q8_0 or
// Q8_1 (see activation-quants.ts): an exact integer sum per 32-element block, scaled by the f32
// product of the two f16 scales and added to an f32 sum with one rounding (AVX2's fmadd; d·s is
// exact in a double). Q4_1/Q5_1 keep the m·s terms in a second sum, as AVX2 does. Hot loop.
// Reference: ggml/src/ggml-cpu/quants.c (ggml_vec_dot_q4_0_q8_0 … _q8_0_q8_0, generic versions).
//
// Speed: every block is a whole number of 16-bit words, so the kernels read both rows as Uint16
// (two quants per load, scales straight from the F16 table) and multiply with Math.imul into
// wrapping int32 sums (`| 0`), which V8 compiles without overflow checks. Block sums stay far
// below 2^31. `anyOffset` handles rows at odd offsets.

import { F16_TO_F32 } from "./f16.js";
import { anyOffset, viewsOf } from "./byte-views.js";
import * as layout from "./legacy-quants.js";

// Block sizes as literals: V8 folds a literal module constant into the loop, but not one read from
// an import (measured: the kernels ran ~40% slower once the exporting module had been used).
const Q4_0_BYTES = 18;
const Q4_1_BYTES = 20;
const Q5_0_BYTES = 22;
const Q5_1_BYTES = 24;
const Q8_0_BYTES = 34;
const Q8_1_BYTES = 36;
if (
  Q4_0_BYTES !== layout.Q4_0_BYTES || Q4_1_BYTES !== layout.Q4_1_BYTES || Q5_0_BYTES !== layout.Q5_0_BYTES ||
  Q5_1_BYTES !== layout.Q5_1_BYTES || Q8_0_BYTES !== layout.Q8_0_BYTES || Q8_1_BYTES !== layout.Q8_1_BYTES
) {
  throw new Error("legacy-dots.ts block sizes disagree with legacy-quants.ts");
}

const fr = Math.fround;
const imul = Math.imul;
const F16 = F16_TO_F32;

// In 16-bit words: a Q8_0 block is d, qs[32] = 17 words; Q8_1 is d, s, qs[32] = 18 words.
// Quants are read as words: the int8 pair in an Int16 word u is (u << 24) >> 24 and u >> 8.

/** Σ_blocks d_w·d_a · Σ_j (q_j − 8)·a_j against Q8_0. Weight word k holds quants 2k, 2k+16 (low byte), 2k+1, 2k+17. */
function dotQ4_0(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const W = viewsOf(w).u16;
  const { u16: A, i16: As } = viewsOf(a);
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  for (let b = n >> 5; b > 0; b--, wq += Q4_0_BYTES >> 1, aq += Q8_0_BYTES >> 1) {
    let s = 0;
    for (let k = 0; k < 8; k += 2) {
      const x0 = W[wq + 1 + k];
      const u0 = As[aq + 1 + k];
      const v0 = As[aq + 9 + k];
      const x1 = W[wq + 2 + k];
      const u1 = As[aq + 2 + k];
      const v1 = As[aq + 10 + k];
      s =
        (s +
          imul((x0 & 15) - 8, (u0 << 24) >> 24) + imul(((x0 >> 8) & 15) - 8, u0 >> 8) +
          imul(((x0 >> 4) & 15) - 8, (v0 << 24) >> 24) + imul((x0 >> 12) - 8, v0 >> 8) +
          imul((x1 & 15) - 8, (u1 << 24) >> 24) + imul(((x1 >> 8) & 15) - 8, u1 >> 8) +
          imul(((x1 >> 4) & 15) - 8, (v1 << 24) >> 24) + imul((x1 >> 12) - 8, v1 >> 8)) | 0;
    }
    sum = fr(sum + fr(F16[W[wq]] * F16[A[aq]]) * s);
  }
  return sum;
}

/** Σ_blocks (d_w·d_a · Σ q_j·a_j + m_w·s_a) against Q8_1, whose s = d_a·Σa_j carries the min term. */
function dotQ4_1(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const W = viewsOf(w).u16;
  const { u16: A, i16: As } = viewsOf(a);
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  let summs = 0; // AVX2 keeps the m·s terms in their own scalar sum, added at the end
  for (let b = n >> 5; b > 0; b--, wq += Q4_1_BYTES >> 1, aq += Q8_1_BYTES >> 1) {
    let s = 0;
    for (let k = 0; k < 8; k += 2) {
      const x0 = W[wq + 2 + k];
      const u0 = As[aq + 2 + k];
      const v0 = As[aq + 10 + k];
      const x1 = W[wq + 3 + k];
      const u1 = As[aq + 3 + k];
      const v1 = As[aq + 11 + k];
      s =
        (s +
          imul(x0 & 15, (u0 << 24) >> 24) + imul((x0 >> 8) & 15, u0 >> 8) +
          imul((x0 >> 4) & 15, (v0 << 24) >> 24) + imul(x0 >> 12, v0 >> 8) +
          imul(x1 & 15, (u1 << 24) >> 24) + imul((x1 >> 8) & 15, u1 >> 8) +
          imul((x1 >> 4) & 15, (v1 << 24) >> 24) + imul(x1 >> 12, v1 >> 8)) | 0;
    }
    sum = fr(sum + fr(F16[W[wq]] * F16[A[aq]]) * s);
    summs = fr(summs + fr(F16[W[wq + 1]] * F16[A[aq + 1]]));
  }
  return fr(sum + summs);
}

/**
 * Q5_0 against Q8_0: levels (nibble | high bit << 4) − 16. qh is two words: lo holds the high bits
 * of quants 0..15, hi of 16..31; bit i moves to bit 4 as ((lo << 4) >> i) & 16.
 */
function dotQ5_0(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const W = viewsOf(w).u16;
  const { u16: A, i16: As } = viewsOf(a);
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  for (let b = n >> 5; b > 0; b--, wq += Q5_0_BYTES >> 1, aq += Q8_0_BYTES >> 1) {
    const lo = W[wq + 1] << 4;
    const hi = W[wq + 2] << 4;
    let s = 0;
    for (let k = 0; k < 8; k++) {
      const x = W[wq + 3 + k];
      const u = As[aq + 1 + k];
      const v = As[aq + 9 + k];
      const i = 2 * k;
      s =
        (s +
          imul(((x & 15) | ((lo >> i) & 16)) - 16, (u << 24) >> 24) +
          imul((((x >> 8) & 15) | ((lo >> (i + 1)) & 16)) - 16, u >> 8) +
          imul((((x >> 4) & 15) | ((hi >> i) & 16)) - 16, (v << 24) >> 24) +
          imul(((x >> 12) | ((hi >> (i + 1)) & 16)) - 16, v >> 8)) | 0;
    }
    sum = fr(sum + fr(F16[W[wq]] * F16[A[aq]]) * s);
  }
  return sum;
}

/** Q5_1 against Q8_1: levels nibble | high bit << 4, plus the m_w·s_a min term. */
function dotQ5_1(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const W = viewsOf(w).u16;
  const { u16: A, i16: As } = viewsOf(a);
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  let summs = 0;
  for (let b = n >> 5; b > 0; b--, wq += Q5_1_BYTES >> 1, aq += Q8_1_BYTES >> 1) {
    const lo = W[wq + 2] << 4;
    const hi = W[wq + 3] << 4;
    let s = 0;
    for (let k = 0; k < 8; k++) {
      const x = W[wq + 4 + k];
      const u = As[aq + 2 + k];
      const v = As[aq + 10 + k];
      const i = 2 * k;
      s =
        (s +
          imul((x & 15) | ((lo >> i) & 16), (u << 24) >> 24) +
          imul(((x >> 8) & 15) | ((lo >> (i + 1)) & 16), u >> 8) +
          imul(((x >> 4) & 15) | ((hi >> i) & 16), (v << 24) >> 24) +
          imul((x >> 12) | ((hi >> (i + 1)) & 16), v >> 8)) | 0;
    }
    sum = fr(sum + fr(F16[W[wq]] * F16[A[aq]]) * s);
    summs = fr(summs + fr(F16[W[wq + 1]] * F16[A[aq + 1]]));
  }
  return fr(sum + summs);
}

/** Q8_0 against Q8_0: a plain int8 dot per block, two quants per word on each side. */
function dotQ8_0(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const { u16: W, i16: Ws } = viewsOf(w);
  const { u16: A, i16: As } = viewsOf(a);
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  for (let b = n >> 5; b > 0; b--, wq += Q8_0_BYTES >> 1, aq += Q8_0_BYTES >> 1) {
    let s = 0;
    for (let k = 1; k < 17; k += 4) {
      const x0 = Ws[wq + k];
      const x1 = Ws[wq + k + 1];
      const x2 = Ws[wq + k + 2];
      const x3 = Ws[wq + k + 3];
      const u0 = As[aq + k];
      const u1 = As[aq + k + 1];
      const u2 = As[aq + k + 2];
      const u3 = As[aq + k + 3];
      s =
        (s +
          imul((x0 << 24) >> 24, (u0 << 24) >> 24) + imul(x0 >> 8, u0 >> 8) +
          imul((x1 << 24) >> 24, (u1 << 24) >> 24) + imul(x1 >> 8, u1 >> 8) +
          imul((x2 << 24) >> 24, (u2 << 24) >> 24) + imul(x2 >> 8, u2 >> 8) +
          imul((x3 << 24) >> 24, (u3 << 24) >> 24) + imul(x3 >> 8, u3 >> 8)) | 0;
    }
    sum = fr(sum + fr(F16[W[wq]] * F16[A[aq]]) * s);
  }
  return sum;
}

export const vecDotQ4_0 = anyOffset(dotQ4_0, 32, Q4_0_BYTES, 32, Q8_0_BYTES);
export const vecDotQ4_1 = anyOffset(dotQ4_1, 32, Q4_1_BYTES, 32, Q8_1_BYTES);
export const vecDotQ5_0 = anyOffset(dotQ5_0, 32, Q5_0_BYTES, 32, Q8_0_BYTES);
export const vecDotQ5_1 = anyOffset(dotQ5_1, 32, Q5_1_BYTES, 32, Q8_1_BYTES);
export const vecDotQ8_0 = anyOffset(dotQ8_0, 32, Q8_0_BYTES, 32, Q8_0_BYTES);
