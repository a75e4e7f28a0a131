// Dot products of K-quant weight rows with Q8_K activations: per super-block an exact integer
// Σ_sub sc·Σ q_w·q_a, minus (for Q2_K/Q4_K/Q5_K) Σ_sub m·bsum using the activation's 16-element
// sums, scaled by f32 d_w·d_a and dmin_w·d_a. Super-blocks are accumulated in f32 with one
// rounding per multiply-add (AVX2's fmadd), the min terms in their own sum as AVX2 does. Hot loop.
// Reference: ggml/src/ggml-cpu/quants.c (ggml_vec_dot_q{2..6}_K_q8_K_generic).
//
// As in legacy-dots.ts, rows are read as 16-bit words (every block size is even) and multiplied
// with Math.imul into wrapping int32 sums. Where a level carries a constant offset (Q3_K's −4,
// Q6_K's −32) it is taken out of the loop through the bsums: Σ sc·Σ(q − c)·a = Σ sc·Σ q·a − c·Σ sc·bsum.

import { F16_TO_F32 } from "./f16.js";
import { anyOffset, viewsOf } from "./byte-views.js";
import * as act from "./activation-quants.js";
import * as layout from "./k-quants.js";

const fr = Math.fround;
const imul = Math.imul;
const F16 = F16_TO_F32;

// Block sizes and scale unpacking are literal and local: V8 folds literal module constants into
// the loops but not values read through imports (see legacy-dots.ts).
const Q2_K_BYTES = 84;
const Q3_K_BYTES = 110;
const Q4_K_BYTES = 144;
const Q5_K_BYTES = 176;
const Q6_K_BYTES = 210;
const Q8_K_BYTES = 292;
if (
  Q2_K_BYTES !== layout.Q2_K_BYTES || Q3_K_BYTES !== layout.Q3_K_BYTES || Q4_K_BYTES !== layout.Q4_K_BYTES ||
  Q5_K_BYTES !== layout.Q5_K_BYTES || Q6_K_BYTES !== layout.Q6_K_BYTES || Q8_K_BYTES !== act.Q8_K_BYTES
) {
  throw new Error("k-dots.ts block sizes disagree with k-quants.ts");
}

// A Q8_K block in 16-bit words: d:f32 = words 0–1, quant e in word 2 + e/2 (even e in the low
// byte), bsum j in word 130 + j.
const AW = 146;

// The Q8_K scale d is an f32 in words 0–1; assembled through a scratch word (little-endian host).
const wordF32 = new Float32Array(1);
const wordU16 = new Uint16Array(wordF32.buffer);
function actScale(A: Uint16Array, aq: number): number {
  wordU16[0] = A[aq];
  wordU16[1] = A[aq + 1];
  return wordF32[0];
}

/** Q3_K scale j as in k-quants.ts q3kScale. */
function q3Scale(u8: Uint8Array, s: number, j: number): number {
  const low = j < 8 ? u8[s + j] & 15 : u8[s + j - 8] >> 4;
  return (low | (((u8[s + 8 + (j & 3)] >> (2 * (j >> 2))) & 3) << 4)) - 32;
}

/** Q4_K/Q5_K scale and min j as in k-quants.ts k4Scale / k4Min. */
function k4Sc(u8: Uint8Array, s: number, j: number): number {
  return j < 4 ? u8[s + j] & 63 : (u8[s + j + 4] & 15) | ((u8[s + j - 4] >> 6) << 4);
}
function k4Mn(u8: Uint8Array, s: number, j: number): number {
  return j < 4 ? u8[s + j + 4] & 63 : (u8[s + j + 4] >> 4) | ((u8[s + j] >> 6) << 4);
}

/** bsum j of the Q8_K block starting at word aq, sign-extended. */
function bsum(A: Uint16Array, aq: number, j: number): number {
  return (A[aq + 130 + j] << 16) >> 16;
}

// Per-block scratch for unpacked scales (the kernels are synchronous and never re-entered).
const SCALES = new Int32Array(16);

/** Q2_K: 2-bit levels, 4-bit scales and mins per 16 elements; the min term goes through the bsums. */
function dotQ2_K(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const { u8: W8, u16: W } = viewsOf(w);
  const { u16: A, i16: As } = viewsOf(a);
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  let sumMins = 0;
  for (let b = n >> 8; b > 0; b--, wq += Q2_K_BYTES >> 1, aq += AW) {
    const sc = 2 * wq; // scales[16] are the first 16 bytes: low nibble scale, high nibble min
    let summs = 0;
    for (let j = 0; j < 16; j++) summs += (W8[sc + j] >> 4) * bsum(A, aq, j);
    let isum = 0;
    for (let h = 0; h < 2; h++) {
      // Word k of this half's qs holds quants 2k, 2k+1 of all four 2-bit planes g (elements
      // 128h + 32g + 2k, +1); words 0–7 belong to sub-blocks 8h + 2g, words 8–15 to 8h + 2g + 1.
      const q = wq + 8 + 16 * h;
      const p = aq + 2 + 64 * h;
      for (let half = 0; half < 2; half++) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = 8 * half; k < 8 * half + 8; k++) {
          const x = W[q + k];
          const a0 = As[p + k];
          const a1 = As[p + k + 16];
          const a2 = As[p + k + 32];
          const a3 = As[p + k + 48];
          s0 = (s0 + imul(x & 3, (a0 << 24) >> 24) + imul((x >> 8) & 3, a0 >> 8)) | 0;
          s1 = (s1 + imul((x >> 2) & 3, (a1 << 24) >> 24) + imul((x >> 10) & 3, a1 >> 8)) | 0;
          s2 = (s2 + imul((x >> 4) & 3, (a2 << 24) >> 24) + imul((x >> 12) & 3, a2 >> 8)) | 0;
          s3 = (s3 + imul((x >> 6) & 3, (a3 << 24) >> 24) + imul(x >> 14, a3 >> 8)) | 0;
        }
        const j = sc + 8 * h + half;
        isum += (W8[j] & 15) * s0 + (W8[j + 2] & 15) * s1 + (W8[j + 4] & 15) * s2 + (W8[j + 6] & 15) * s3;
      }
    }
    const dA = actScale(A, aq);
    sum = fr(sum + fr(dA * F16[W[wq + 40]]) * isum);
    sumMins = fr(sumMins - fr(dA * F16[W[wq + 41]]) * summs);
  }
  return fr(sum + sumMins);
}

/** Q3_K: level = 2 low bits | high bit << 2, minus 4 (the −4 goes through the bsums). */
function dotQ3_K(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const { u8: W8, u16: W } = viewsOf(w);
  const { u16: A, i16: As } = viewsOf(a);
  const S = SCALES;
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  for (let b = n >> 8; b > 0; b--, wq += Q3_K_BYTES >> 1, aq += AW) {
    const sc = 2 * wq + 96;
    let bias = 0;
    for (let j = 0; j < 16; j++) {
      S[j] = q3Scale(W8, sc, j);
      bias += S[j] * bsum(A, aq, j);
    }
    let isum = 0;
    for (let h = 0; h < 2; h++) {
      // As Q2_K; the high bit of plane g of element 128h + 32g + l is bit 4h + g of hmask[l],
      // moved to bit 2 as ((m << 2) >> (4h + g)) & 4 (low byte) or >> (8 + 4h + g) (high byte).
      const q = wq + 16 + 16 * h;
      const p = aq + 2 + 64 * h;
      const t = 4 * h;
      for (let half = 0; half < 2; half++) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = 8 * half; k < 8 * half + 8; k++) {
          const x = W[q + k];
          const m = (W[wq + k] << 2) >> t;
          const a0 = As[p + k];
          const a1 = As[p + k + 16];
          const a2 = As[p + k + 32];
          const a3 = As[p + k + 48];
          s0 = (s0 + imul((x & 3) | (m & 4), (a0 << 24) >> 24) + imul(((x >> 8) & 3) | ((m >> 8) & 4), a0 >> 8)) | 0;
          s1 = (s1 + imul(((x >> 2) & 3) | ((m >> 1) & 4), (a1 << 24) >> 24) + imul(((x >> 10) & 3) | ((m >> 9) & 4), a1 >> 8)) | 0;
          s2 = (s2 + imul(((x >> 4) & 3) | ((m >> 2) & 4), (a2 << 24) >> 24) + imul(((x >> 12) & 3) | ((m >> 10) & 4), a2 >> 8)) | 0;
          s3 = (s3 + imul(((x >> 6) & 3) | ((m >> 3) & 4), (a3 << 24) >> 24) + imul((x >> 14) | ((m >> 11) & 4), a3 >> 8)) | 0;
        }
        const j = 8 * h + half;
        isum += S[j] * s0 + S[j + 2] * s1 + S[j + 4] * s2 + S[j + 6] * s3;
      }
    }
    const d = fr(F16[W[wq + 54]] * actScale(A, aq));
    sum = fr(sum + d * (isum - 4 * bias));
  }
  return sum;
}

/**
 * Σ_j sc_j·K4_SUMS[j] (the sub-block integer dots) and Σ_j m_j·(bsum_2j + bsum_2j+1) for a Q4_K/Q5_K block
 * whose 12 scale bytes start at byte sc; returns the first, leaves the second in MINS[0].
 */
const K4_SUMS = new Int32Array(8);
const MINS = new Float64Array(1);
function k4Apply(W8: Uint8Array, sc: number, A: Uint16Array, aq: number): number {
  let isum = 0;
  let summs = 0;
  for (let j = 0; j < 8; j++) {
    isum += k4Sc(W8, sc, j) * K4_SUMS[j];
    summs += k4Mn(W8, sc, j) * (bsum(A, aq, 2 * j) + bsum(A, aq, 2 * j + 1));
  }
  MINS[0] = summs;
  return isum;
}

/**
 * Q4_K: 8 sub-blocks of 32 with 6-bit scales and mins. Chunk c (qs words 8 + 16c …) holds
 * sub-block 2c in its low nibbles and 2c+1 in its high nibbles; word k covers quants 2k, 2k+1.
 */
function dotQ4_K(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const { u8: W8, u16: W } = viewsOf(w);
  const { u16: A, i16: As } = viewsOf(a);
  const S = K4_SUMS;
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  let sumMins = 0;
  for (let b = n >> 8; b > 0; b--, wq += Q4_K_BYTES >> 1, aq += AW) {
    for (let c = 0; c < 4; c++) {
      const q = wq + 8 + 16 * c;
      const p = aq + 2 + 32 * c;
      let lo = 0;
      let hi = 0;
      for (let k = 0; k < 16; k += 2) {
        const x0 = W[q + k];
        const u0 = As[p + k];
        const v0 = As[p + k + 16];
        const x1 = W[q + k + 1];
        const u1 = As[p + k + 1];
        const v1 = As[p + k + 17];
        lo = (lo + imul(x0 & 15, (u0 << 24) >> 24) + imul((x0 >> 8) & 15, u0 >> 8) +
          imul(x1 & 15, (u1 << 24) >> 24) + imul((x1 >> 8) & 15, u1 >> 8)) | 0;
        hi = (hi + imul((x0 >> 4) & 15, (v0 << 24) >> 24) + imul(x0 >> 12, v0 >> 8) +
          imul((x1 >> 4) & 15, (v1 << 24) >> 24) + imul(x1 >> 12, v1 >> 8)) | 0;
      }
      S[2 * c] = lo;
      S[2 * c + 1] = hi;
    }
    const isum = k4Apply(W8, 2 * wq + 4, A, aq);
    const dA = actScale(A, aq);
    sum = fr(sum + fr(F16[W[wq]] * dA) * isum);
    sumMins = fr(sumMins - fr(F16[W[wq + 1]] * dA) * MINS[0]);
  }
  return fr(sum + sumMins);
}

/**
 * Q5_K: Q4_K plus a fifth bit per quant: bit j of qh byte l (qh = words 8–23) for quant l of
 * sub-block j, moved to bit 4 (low byte of a qh word: bit 2c / 2c+1; high byte: 8 + those).
 */
function dotQ5_K(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const { u8: W8, u16: W } = viewsOf(w);
  const { u16: A, i16: As } = viewsOf(a);
  const S = K4_SUMS;
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  let sumMins = 0;
  for (let b = n >> 8; b > 0; b--, wq += Q5_K_BYTES >> 1, aq += AW) {
    for (let c = 0; c < 4; c++) {
      const q = wq + 24 + 16 * c;
      const p = aq + 2 + 32 * c;
      const s0 = 2 * c;
      const s1 = 8 + 2 * c;
      let lo = 0;
      let hi = 0;
      for (let k = 0; k < 16; k++) {
        const x = W[q + k];
        const m = W[wq + 8 + k];
        const m4 = m << 4;
        const m3 = m << 3;
        const u = As[p + k];
        const v = As[p + k + 16];
        lo = (lo + imul((x & 15) | ((m4 >> s0) & 16), (u << 24) >> 24) +
          imul(((x >> 8) & 15) | ((m4 >> s1) & 16), u >> 8)) | 0;
        hi = (hi + imul(((x >> 4) & 15) | ((m3 >> s0) & 16), (v << 24) >> 24) +
          imul((x >> 12) | ((m3 >> s1) & 16), v >> 8)) | 0;
      }
      S[2 * c] = lo;
      S[2 * c + 1] = hi;
    }
    const isum = k4Apply(W8, 2 * wq + 4, A, aq);
    const dA = actScale(A, aq);
    sum = fr(sum + fr(F16[W[wq]] * dA) * isum);
    sumMins = fr(sumMins - fr(F16[W[wq + 1]] * dA) * MINS[0]);
  }
  return fr(sum + sumMins);
}

/**
 * Q6_K: level = 4 bits of ql | 2 bits of qh << 4, minus 32 (taken out through the bsums). Per half
 * h, word k of ql covers quants 2k, 2k+1 (low nibbles) and 64 + 2k, +1 (high nibbles); the word
 * 16 further on the same for +32 and +96; qh word k carries their top bits in pairs.
 */
function dotQ6_K(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
  const { i8: Wi, u16: W } = viewsOf(w);
  const { u16: A, i16: As } = viewsOf(a);
  let wq = (w.byteOffset + wOff) >> 1;
  let aq = (a.byteOffset + aOff) >> 1;
  let sum = 0;
  for (let b = n >> 8; b > 0; b--, wq += Q6_K_BYTES >> 1, aq += AW) {
    const sc = 2 * wq + 192;
    let bias = 0;
    for (let j = 0; j < 16; j++) bias += Wi[sc + j] * bsum(A, aq, j);
    let isum = 0;
    for (let h = 0; h < 2; h++) {
      const ql = wq + 32 * h;
      const qh = wq + 64 + 16 * h;
      const p = aq + 2 + 64 * h;
      for (let half = 0; half < 16; half += 8) {
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let s4 = 0;
        for (let k = half; k < half + 8; k++) {
          const x = W[ql + k];
          const y = W[ql + k + 16];
          const m = W[qh + k];
          const a1 = As[p + k];
          const a2 = As[p + k + 16];
          const a3 = As[p + k + 32];
          const a4 = As[p + k + 48];
          s1 = (s1 + imul((x & 15) | ((m & 3) << 4), (a1 << 24) >> 24) +
            imul(((x >> 8) & 15) | ((m >> 4) & 48), a1 >> 8)) | 0;
          s2 = (s2 + imul((y & 15) | ((m << 2) & 48), (a2 << 24) >> 24) +
            imul(((y >> 8) & 15) | ((m >> 6) & 48), a2 >> 8)) | 0;
          s3 = (s3 + imul(((x >> 4) & 15) | (m & 48), (a3 << 24) >> 24) +
            imul((x >> 12) | ((m >> 8) & 48), a3 >> 8)) | 0;
          s4 = (s4 + imul(((y >> 4) & 15) | ((m >> 2) & 48), (a4 << 24) >> 24) +
            imul((y >> 12) | ((m >> 10) & 48), a4 >> 8)) | 0;
        }
        const is = sc + 8 * h + (half >> 3);
        isum += Wi[is] * s1 + Wi[is + 2] * s2 + Wi[is + 4] * s3 + Wi[is + 6] * s4;
      }
    }
    const d = fr(F16[W[wq + 104]] * actScale(A, aq));
    sum = fr(sum + d * (isum - 32 * bias));
  }
  return sum;
}

export const vecDotQ2_K = anyOffset(dotQ2_K, 256, Q2_K_BYTES, 256, Q8_K_BYTES);
export const vecDotQ3_K = anyOffset(dotQ3_K, 256, Q3_K_BYTES, 256, Q8_K_BYTES);
export const vecDotQ4_K = anyOffset(dotQ4_K, 256, Q4_K_BYTES, 256, Q8_K_BYTES);
export const vecDotQ5_K = anyOffset(dotQ5_K, 256, Q5_K_BYTES, 256, Q8_K_BYTES);
export const vecDotQ6_K = anyOffset(dotQ6_K, 256, Q6_K_BYTES, 256, Q8_K_BYTES);
