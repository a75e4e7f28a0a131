// Hand-built 256-element super-blocks decoded with the closed forms of llama-reference.md §2.4,
// packed here from the documented layouts (not with the implementation's helpers), so the tricky
// scale packings of Q3_K/Q4_K/Q5_K and the high-bit planes are checked independently.

import assert from "node:assert/strict";
import { test } from "node:test";
import { GgmlType } from "../gguf/types.js";
import { typeTraits } from "./type-traits.js";

const fr = Math.fround;

function dequant(type: GgmlType, block: Uint8Array): Float32Array {
  const out = new Float32Array(256);
  typeTraits(type).dequantizeRow(block, 0, out, 0, 256);
  return out;
}

function setF16(b: Uint8Array, at: number, bits: number): void {
  b[at] = bits & 0xff;
  b[at + 1] = bits >> 8;
}

/** Deterministic byte pattern so every bit position takes both values. */
const pattern = (i: number, salt: number): number => (i * 37 + salt * 101 + (i >> 3) * 13) & 0xff;

const D = 0.5; // f16 0x3800
const DMIN = 0.25; // f16 0x3400

test("Q2_K: y = (d·sc)·q − dmin·m, 2-bit planes of qs[32h + l] at shift 2g", () => {
  const b = new Uint8Array(84);
  for (let j = 0; j < 16; j++) b[j] = (j & 15) | (((15 - j) & 15) << 4);
  for (let i = 0; i < 64; i++) b[16 + i] = pattern(i, 1);
  setF16(b, 80, 0x3800);
  setF16(b, 82, 0x3400);
  const y = dequant(GgmlType.Q2_K, b);
  for (let i = 0; i < 256; i++) {
    const h = i >> 7, g = (i & 127) >> 5, l = i & 31;
    const q = (b[16 + 32 * h + l] >> (2 * g)) & 3;
    const sc = b[i >> 4];
    assert.equal(y[i], fr(fr(fr(D * (sc & 15)) * q) - fr(DMIN * (sc >> 4))), `element ${i}`);
  }
});

test("Q3_K: 16 signed 6-bit scales (4 low bits in bytes 0–7, 2 high bits in bytes 8–11), hmask high bit", () => {
  const S = Array.from({ length: 16 }, (_, j) => [-32, 31, -1, 0, 17, -17, 5, -29, 30, 2, -8, 13, -20, 25, -3, 9][j]);
  const b = new Uint8Array(110);
  for (let i = 0; i < 32; i++) b[i] = pattern(i, 2); // hmask
  for (let i = 0; i < 64; i++) b[32 + i] = pattern(i, 3); // qs
  for (let j = 0; j < 16; j++) {
    const u = S[j] + 32; // stored unsigned 0..63
    if (j < 8) b[96 + j] |= u & 15;
    else b[96 + j - 8] |= (u & 15) << 4;
    b[96 + 8 + (j % 4)] |= (u >> 4) << (2 * Math.floor(j / 4));
  }
  setF16(b, 108, 0x3800);
  const y = dequant(GgmlType.Q3_K, b);
  for (let i = 0; i < 256; i++) {
    const h = i >> 7, g = (i & 127) >> 5, l = i & 31;
    const q2 = (b[32 + 32 * h + l] >> (2 * g)) & 3;
    const q = q2 - ((b[l] & (1 << (4 * h + g))) !== 0 ? 0 : 4);
    assert.equal(y[i], fr(D * S[i >> 4]) * q, `element ${i}`);
  }
});

/** The 12-byte scale/min packing of Q4_K/Q5_K, as described in llama-reference.md §2.4. */
function packK4(sc: number[], mn: number[]): number[] {
  const s = new Array(12).fill(0);
  for (let j = 0; j < 4; j++) {
    s[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
    s[j + 4] = mn[j] | ((mn[j + 4] >> 4) << 6);
    s[j + 8] = (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4);
  }
  return s;
}

const SC = [1, 17, 33, 63, 5, 21, 47, 62];
const MN = [0, 63, 12, 40, 9, 50, 31, 16];

test("Q4_K: 8 × 6-bit scale/min pairs; chunk c's low nibbles are sub-block 2c, high nibbles 2c+1", () => {
  const b = new Uint8Array(144);
  setF16(b, 0, 0x3800);
  setF16(b, 2, 0x3400);
  b.set(packK4(SC, MN), 4);
  for (let i = 0; i < 128; i++) b[16 + i] = pattern(i, 4);
  const y = dequant(GgmlType.Q4_K, b);
  for (let i = 0; i < 256; i++) {
    const j = i >> 5, c = i >> 6, r = i & 63, l = i & 31;
    const byte = b[16 + 32 * c + l];
    const q = r < 32 ? byte & 15 : byte >> 4;
    assert.equal(y[i], fr(fr(fr(D * SC[j]) * q) - fr(DMIN * MN[j])), `element ${i}`);
  }
});

test("Q5_K: as Q4_K plus 16 when bit j of qh[l] is set", () => {
  const b = new Uint8Array(176);
  setF16(b, 0, 0x3800);
  setF16(b, 2, 0x3400);
  b.set(packK4(SC, MN), 4);
  for (let i = 0; i < 32; i++) b[16 + i] = pattern(i, 5);
  for (let i = 0; i < 128; i++) b[48 + i] = pattern(i, 6);
  const y = dequant(GgmlType.Q5_K, b);
  for (let i = 0; i < 256; i++) {
    const j = i >> 5, c = i >> 6, r = i & 63, l = i & 31;
    const byte = b[48 + 32 * c + l];
    const q = (r < 32 ? byte & 15 : byte >> 4) + ((b[16 + l] >> j) & 1 ? 16 : 0);
    assert.equal(y[i], fr(fr(fr(D * SC[j]) * q) - fr(DMIN * MN[j])), `element ${i}`);
  }
});

test("Q6_K: 4 low bits from ql, 2 high bits from qh, minus 32, int8 scale per 16", () => {
  const b = new Uint8Array(210);
  for (let i = 0; i < 128; i++) b[i] = pattern(i, 7);
  for (let i = 0; i < 64; i++) b[128 + i] = pattern(i, 8);
  const scales = [-128, 127, -1, 1, 64, -64, 3, -3, 100, -100, 7, 0, 55, -55, 9, 13];
  for (let j = 0; j < 16; j++) b[192 + j] = scales[j] & 0xff;
  setF16(b, 208, 0x2c00); // d = 1/16
  const y = dequant(GgmlType.Q6_K, b);
  for (let i = 0; i < 256; i++) {
    const h = i >> 7, g = (i & 127) >> 5, l = i & 31;
    const low = [b[64 * h + l] & 15, b[64 * h + l + 32] & 15, b[64 * h + l] >> 4, b[64 * h + l + 32] >> 4][g];
    const high = (b[128 + 32 * h + l] >> (2 * g)) & 3;
    const q = (low | (high << 4)) - 32;
    assert.equal(y[i], fr(fr(0.0625 * scales[i >> 4]) * q), `element ${i}`);
  }
});

test("Q8_K: y = d·q with an f32 d (negative here, as Q8_K activations usually have)", () => {
  const b = new Uint8Array(292);
  new DataView(b.buffer).setFloat32(0, -0.03125, true);
  for (let i = 0; i < 256; i++) b[4 + i] = pattern(i, 9);
  const y = dequant(GgmlType.Q8_K, b);
  for (let i = 0; i < 256; i++) assert.equal(y[i], -0.03125 * ((b[4 + i] << 24) >> 24));
});
