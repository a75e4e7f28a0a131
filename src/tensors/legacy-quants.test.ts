// Hand-built 32-element blocks decoded with the formulas of llama-reference.md §2.3, written out
// independently of the implementation (layout offsets, nibble order, Q5 high bits).

import assert from "node:assert/strict";
import { test } from "node:test";
import { GgmlType } from "../gguf/types.js";
import { typeTraits } from "./type-traits.js";

const fr = Math.fround;

function dequant(type: GgmlType, block: number[]): Float32Array {
  const out = new Float32Array(32);
  typeTraits(type).dequantizeRow(Uint8Array.from(block), 0, out, 0, 32);
  return out;
}

const le16 = (v: number): number[] => [v & 0xff, v >> 8];
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

// qs[j] holds element j in its low nibble and element j + 16 in its high nibble.
const lowNib = (j: number): number => (j * 5 + 3) & 15;
const highNib = (j: number): number => (15 - j * 3) & 15;
const qs4 = Array.from({ length: 16 }, (_, j) => lowNib(j) | (highNib(j) << 4));

test("Q4_0: y = (nibble − 8)·d, low nibbles first", () => {
  const y = dequant(GgmlType.Q4_0, [...le16(0x3800), ...qs4]); // d = 0.5
  for (let j = 0; j < 16; j++) {
    assert.equal(y[j], (lowNib(j) - 8) * 0.5);
    assert.equal(y[j + 16], (highNib(j) - 8) * 0.5);
  }
});

test("Q4_1: y = nibble·d + m", () => {
  const y = dequant(GgmlType.Q4_1, [...le16(0x3266), ...le16(0xbc00), ...qs4]); // d = 0.2, m = −1
  const d = 0.199951171875;
  for (let j = 0; j < 16; j++) {
    assert.equal(y[j], fr(fr(lowNib(j) * d) - 1));
    assert.equal(y[j + 16], fr(fr(highNib(j) * d) - 1));
  }
});

test("Q5_0: the fifth bit of element j is bit j of the little-endian qh word; y = (q − 16)·d", () => {
  const qh = 0xa5c3_0f96;
  const y = dequant(GgmlType.Q5_0, [...le16(0x3400), ...le32(qh), ...qs4]); // d = 0.25
  for (let j = 0; j < 16; j++) {
    const q0 = lowNib(j) | (((qh >>> j) & 1) << 4);
    const q1 = highNib(j) | (((qh >>> (j + 16)) & 1) << 4);
    assert.equal(y[j], (q0 - 16) * 0.25, `element ${j}`);
    assert.equal(y[j + 16], (q1 - 16) * 0.25, `element ${j + 16}`);
  }
  // Spot values: element 1 has qh bit 1 set (0x96 = 1001_0110), element 16 has bit 16 set (0xc3).
  assert.equal(y[1], ((lowNib(1) | 16) - 16) * 0.25);
  assert.equal(y[16], ((highNib(0) | 16) - 16) * 0.25);
});

test("Q5_1: y = (nibble | high bit << 4)·d + m", () => {
  const qh = 0x0ff0_3cc3;
  const y = dequant(GgmlType.Q5_1, [...le16(0x2e66), ...le16(0x3800), ...le32(qh), ...qs4]); // d ≈ 0.1, m = 0.5
  const d = 0.0999755859375;
  for (let j = 0; j < 16; j++) {
    const q0 = lowNib(j) | (((qh >>> j) & 1) << 4);
    const q1 = highNib(j) | (((qh >>> (j + 16)) & 1) << 4);
    assert.equal(y[j], fr(fr(q0 * d) + 0.5));
    assert.equal(y[j + 16], fr(fr(q1 * d) + 0.5));
  }
});

test("Q8_0: y = int8·d; Q8_1 skips its s field", () => {
  const qs = Array.from({ length: 32 }, (_, i) => (i * 9 - 128) & 0xff);
  const int8 = (b: number): number => (b << 24) >> 24;
  const y0 = dequant(GgmlType.Q8_0, [...le16(0x3000), ...qs]); // d = 0.125
  const y1 = dequant(GgmlType.Q8_1, [...le16(0x3000), ...le16(0x7bff), ...qs]);
  for (let i = 0; i < 32; i++) {
    assert.equal(y0[i], int8(qs[i]) * 0.125);
    assert.equal(y1[i], int8(qs[i]) * 0.125);
  }
  assert.equal(y0[0], -16);
});

test("a block's f16 scale may be subnormal", () => {
  const y = dequant(GgmlType.Q8_0, [...le16(0x0001), 3, ...new Array(31).fill(0)]);
  assert.equal(y[0], 3 * 2 ** -24);
});
