// llama.cpp's reference K-quant quantizers (`quantize_row_q{2..6}_K_ref`, no importance matrix):
// per sub-block scale searches (k-quant-search.ts), scales re-quantized to 4/6/8 bits against one
// f16 super-scale, then every value re-quantized with the stored scales. Used to write GGUF files.
// Reference: ggml/src/ggml-quants.c.

import { f32ToF16, F16_TO_F32 } from "./f16.js";
import { viewsOf, writeU16 } from "./byte-views.js";
import { nearestInt } from "./activation-quants.js";
import { makeQ3Quants, makeQkx2Quants, makeQxQuants, type MinOut } from "./k-quant-search.js";
import { k4Min, k4Scale, q3kScale, Q2_K_BYTES, Q3_K_BYTES, Q4_K_BYTES, Q5_K_BYTES, Q6_K_BYTES } from "./k-quants.js";

const fr = Math.fround;
const F32_0_1 = fr(0.1);
const GROUP_MAX_EPS = fr(1e-15);

// Scratch reused across calls (quantization is single-threaded and never re-entrant).
const L = new Uint8Array(256);
const Ls = new Int8Array(256);
const Laux = new Uint8Array(32);
const weights = new Float32Array(32);
const scales = new Float32Array(16);
const mins = new Float32Array(16);
const minOut: MinOut = { min: 0 };

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Packs 2-bit levels L[0..256) as Q2_K/Q3_K do: qs[32h + l] holds L[128h + 32g + l] at bits 2g. */
function pack2Bits(u8: Uint8Array, qs: number, levels: Uint8Array | Int8Array): void {
  for (let h = 0; h < 2; h++) {
    for (let l = 0; l < 32; l++) {
      const j = 128 * h + l;
      u8[qs + 32 * h + l] = levels[j] | (levels[j + 32] << 2) | (levels[j + 64] << 4) | (levels[j + 96] << 6);
    }
  }
}

export function quantizeRowQ2_K(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const u8 = viewsOf(dst).u8;
  const q4scale = 15;
  for (let b = 0, o = dst.byteOffset + dstOff, x = srcOff; b < n / 256; b++, o += Q2_K_BYTES, x += 256) {
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 16; j++) {
      for (let l = 0; l < 16; l++) weights[l] = Math.abs(src[x + 16 * j + l]);
      scales[j] = makeQkx2Quants(16, 3, src, x + 16 * j, weights, L, 16 * j, minOut, Laux, -0.5, F32_0_1, 15, true);
      mins[j] = minOut.min;
      if (scales[j] > maxScale) maxScale = scales[j];
      if (mins[j] > maxMin) maxMin = mins[j];
    }
    if (maxScale > 0) {
      const iscale = fr(q4scale / maxScale);
      for (let j = 0; j < 16; j++) u8[o + j] = nearestInt(fr(iscale * scales[j]));
      writeU16(u8, o + 80, f32ToF16(fr(maxScale / q4scale)));
    } else {
      u8.fill(0, o, o + 16);
      writeU16(u8, o + 80, 0);
    }
    if (maxMin > 0) {
      const iscale = fr(q4scale / maxMin);
      for (let j = 0; j < 16; j++) u8[o + j] |= nearestInt(fr(iscale * mins[j])) << 4;
      writeU16(u8, o + 82, f32ToF16(fr(maxMin / q4scale)));
    } else {
      writeU16(u8, o + 82, 0);
    }
    const d = F16_TO_F32[u8[o + 80] | (u8[o + 81] << 8)];
    const dmin = F16_TO_F32[u8[o + 82] | (u8[o + 83] << 8)];
    for (let j = 0; j < 16; j++) {
      const dl = fr(d * (u8[o + j] & 15));
      if (dl === 0) continue; // keeps the levels from the search, as ggml does
      const ml = fr(dmin * (u8[o + j] >> 4));
      for (let ii = 0; ii < 16; ii++) {
        L[16 * j + ii] = clamp(nearestInt(fr(fr(src[x + 16 * j + ii] + ml) / dl)), 0, 3);
      }
    }
    pack2Bits(u8, o + 16, L);
  }
}

export function quantizeRowQ3_K(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const u8 = viewsOf(dst).u8;
  for (let b = 0, o = dst.byteOffset + dstOff, x = srcOff; b < n / 256; b++, o += Q3_K_BYTES, x += 256) {
    let maxScale = 0;
    let amax = 0;
    for (let j = 0; j < 16; j++) {
      scales[j] = makeQ3Quants(16, 4, src, x + 16 * j, Ls, 16 * j);
      const a = Math.abs(scales[j]);
      if (a > amax) {
        amax = a;
        maxScale = scales[j];
      }
    }
    const sc = o + 96;
    u8.fill(0, sc, sc + 12);
    if (maxScale !== 0) {
      const iscale = fr(-32 / maxScale);
      for (let j = 0; j < 16; j++) {
        const l = clamp(nearestInt(fr(iscale * scales[j])), -32, 31) + 32;
        if (j < 8) u8[sc + j] = l & 15;
        else u8[sc + j - 8] |= (l & 15) << 4;
        u8[sc + 8 + (j & 3)] |= (l >> 4) << (2 * (j >> 2));
      }
      writeU16(u8, o + 108, f32ToF16(fr(1 / iscale)));
    } else {
      writeU16(u8, o + 108, 0);
    }
    const d = F16_TO_F32[u8[o + 108] | (u8[o + 109] << 8)];
    for (let j = 0; j < 16; j++) {
      const dl = fr(d * q3kScale(u8, sc, j));
      if (dl === 0) continue;
      for (let ii = 0; ii < 16; ii++) {
        Ls[16 * j + ii] = clamp(nearestInt(fr(src[x + 16 * j + ii] / dl)), -4, 3) + 4;
      }
    }
    // High bit of element j goes to hmask[j mod 32], bit ⌊j/32⌋; the low 2 bits are packed like Q2_K.
    u8.fill(0, o, o + 32);
    for (let j = 0; j < 256; j++) {
      if (Ls[j] > 3) {
        u8[o + (j & 31)] |= 1 << (j >> 5);
        Ls[j] -= 4;
      }
    }
    pack2Bits(u8, o + 32, Ls);
  }
}

/** Q4_K / Q5_K: 8 sub-blocks of 32 with make_qkx2_quants, 6-bit scales and mins. */
function quantizeK4(bits: 4 | 5, src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const u8 = viewsOf(dst).u8;
  const nmax = bits === 4 ? 15 : 31;
  const bytes = bits === 4 ? Q4_K_BYTES : Q5_K_BYTES;
  const rmin = bits === 4 ? -1 : -0.5;
  const nstep = bits === 4 ? 20 : 15;
  for (let b = 0, o = dst.byteOffset + dstOff, x = srcOff; b < n / 256; b++, o += bytes, x += 256) {
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(src[x + 32 * j + l] * src[x + 32 * j + l]));
      const avX = fr(Math.sqrt(fr(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = avX + Math.abs(src[x + 32 * j + l]);
      scales[j] = makeQkx2Quants(32, nmax, src, x + 32 * j, weights, L, 32 * j, minOut, Laux, rmin, F32_0_1, nstep, false);
      mins[j] = minOut.min;
      if (scales[j] > maxScale) maxScale = scales[j];
      if (mins[j] > maxMin) maxMin = mins[j];
    }
    const invScale = maxScale > 0 ? fr(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
    const sc = o + 4;
    for (let j = 0; j < 8; j++) {
      // uint8_t truncation then MIN(63): values are never negative here.
      const ls = Math.min(63, nearestInt(fr(invScale * scales[j])) & 0xff);
      const lm = Math.min(63, nearestInt(fr(invMin * mins[j])) & 0xff);
      if (j < 4) {
        u8[sc + j] = ls;
        u8[sc + j + 4] = lm;
      } else {
        u8[sc + j + 4] = (ls & 15) | ((lm & 15) << 4);
        u8[sc + j - 4] |= (ls >> 4) << 6;
        u8[sc + j] |= (lm >> 4) << 6;
      }
    }
    writeU16(u8, o, f32ToF16(fr(maxScale / 63)));
    writeU16(u8, o + 2, f32ToF16(fr(maxMin / 63)));
    const d = F16_TO_F32[u8[o] | (u8[o + 1] << 8)];
    const dmin = F16_TO_F32[u8[o + 2] | (u8[o + 3] << 8)];
    for (let j = 0; j < 8; j++) {
      const dl = fr(d * k4Scale(u8, sc, j));
      if (dl === 0) continue;
      const ml = fr(dmin * k4Min(u8, sc, j));
      for (let ii = 0; ii < 32; ii++) {
        L[32 * j + ii] = clamp(nearestInt(fr(fr(src[x + 32 * j + ii] + ml) / dl)), 0, nmax);
      }
    }
    if (bits === 4) {
      for (let c = 0; c < 4; c++) {
        for (let l = 0; l < 32; l++) u8[o + 16 + 32 * c + l] = L[64 * c + l] | (L[64 * c + 32 + l] << 4);
      }
    } else {
      // Fifth bit of sub-block j (elements 32j..32j+31) goes to bit j of qh[l].
      u8.fill(0, o + 16, o + 48);
      for (let c = 0; c < 4; c++) {
        for (let l = 0; l < 32; l++) {
          let l1 = L[64 * c + l];
          let l2 = L[64 * c + 32 + l];
          if (l1 > 15) {
            l1 -= 16;
            u8[o + 16 + l] |= 1 << (2 * c);
          }
          if (l2 > 15) {
            l2 -= 16;
            u8[o + 16 + l] |= 2 << (2 * c);
          }
          u8[o + 48 + 32 * c + l] = l1 | (l2 << 4);
        }
      }
    }
  }
}

export function quantizeRowQ4_K(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeK4(4, src, srcOff, dst, dstOff, n);
}

export function quantizeRowQ5_K(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  quantizeK4(5, src, srcOff, dst, dstOff, n);
}

export function quantizeRowQ6_K(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  const { u8, i8 } = viewsOf(dst);
  for (let b = 0, o = dst.byteOffset + dstOff, x = srcOff; b < n / 256; b++, o += Q6_K_BYTES, x += 256) {
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      const scale = makeQxQuants(16, 32, src, x + 16 * ib, Ls, 16 * ib);
      scales[ib] = scale;
      if (Math.abs(scale) > maxAbsScale) {
        maxAbsScale = Math.abs(scale);
        maxScale = scale;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) {
      u8.fill(0, o, o + Q6_K_BYTES);
      continue;
    }
    const iscale = fr(-128 / maxScale);
    writeU16(u8, o + 208, f32ToF16(fr(1 / iscale)));
    for (let ib = 0; ib < 16; ib++) i8[o + 192 + ib] = Math.min(127, nearestInt(fr(iscale * scales[ib])));
    const d = F16_TO_F32[u8[o + 208] | (u8[o + 209] << 8)];
    for (let j = 0; j < 16; j++) {
      const dl = fr(d * i8[o + 192 + j]);
      if (dl === 0) continue;
      for (let ii = 0; ii < 16; ii++) {
        Ls[16 * j + ii] = clamp(nearestInt(fr(src[x + 16 * j + ii] / dl)), -32, 31) + 32;
      }
    }
    for (let h = 0; h < 2; h++) {
      const ql = o + 64 * h;
      const qh = o + 128 + 32 * h;
      for (let l = 0; l < 32; l++) {
        const j = 128 * h + l;
        const a = Ls[j];
        const b2 = Ls[j + 32];
        const c = Ls[j + 64];
        const e = Ls[j + 96];
        u8[ql + l] = (a & 15) | ((c & 15) << 4);
        u8[ql + l + 32] = (b2 & 15) | ((e & 15) << 4);
        u8[qh + l] = (a >> 4) | ((b2 >> 4) << 2) | ((c >> 4) << 4) | ((e >> 4) << 6);
      }
    }
  }
}
