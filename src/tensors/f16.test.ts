import assert from "node:assert/strict";
import { test } from "node:test";
import { BF16_TO_F32, bf16ToF32, F16_TO_F32, f16ToF32, f32FromBits, f32ToBf16, f32ToF16 } from "./f16.js";

test("f32ToF16 gives the IEEE binary16 pattern, rounding to nearest even", () => {
  const cases: [number, number, string][] = [
    [1, 0x3c00, "one"],
    [-2, 0xc000, "minus two"],
    [0.5, 0x3800, "half"],
    [65504, 0x7bff, "largest finite"],
    [65519.99, 0x7bff, "just below the rounding boundary to inf"],
    [65520, 0x7c00, "tie at the top rounds to inf"],
    [1e6, 0x7c00, "overflow"],
    [-1e6, 0xfc00, "negative overflow"],
    [2 ** -14, 0x0400, "smallest normal"],
    [2 ** -24, 0x0001, "smallest subnormal"],
    [2 ** -25, 0x0000, "half the smallest subnormal ties to even (zero)"],
    [3 * 2 ** -25, 0x0002, "1.5 subnormal units tie to even (2)"],
    [0.75 * 2 ** -24, 0x0001, "subnormal rounds up"],
    [2 ** -14 - 2 ** -25, 0x0400, "largest-subnormal/smallest-normal tie goes to the even normal"],
    [1023 * 2 ** -24, 0x03ff, "largest subnormal"],
    [1 + 2 ** -11, 0x3c00, "tie between 1 and 1+ulp rounds to even"],
    [1 + 3 * 2 ** -11, 0x3c02, "tie between 1+ulp and 1+2ulp rounds to even"],
    [1 + 2 ** -11 + 2 ** -20, 0x3c01, "just above the tie rounds up"],
    [0, 0x0000, "zero"],
    [-0, 0x8000, "negative zero"],
    [Infinity, 0x7c00, "inf"],
    [-Infinity, 0xfc00, "-inf"],
    [NaN, 0x7e00, "NaN stays a quiet NaN"],
  ];
  for (const [x, bits, what] of cases) assert.equal(f32ToF16(x), bits, `${what}: ${x}`);
});

test("f32ToF16 rounds the input to f32 first, as ggml converts from float", () => {
  // 1 + 2^-11 + 2^-30 is above the f16 tie, but it is 1 + 2^-11 once rounded to f32.
  assert.equal(f32ToF16(1 + 2 ** -11 + 2 ** -30), 0x3c00);
});

test("f16ToF32 decodes normals, subnormals, zeros, infinities and NaN", () => {
  assert.equal(f16ToF32(0x3c00), 1);
  assert.equal(f16ToF32(0xc000), -2);
  assert.equal(f16ToF32(0x7bff), 65504);
  assert.equal(f16ToF32(0x0001), 2 ** -24);
  assert.equal(f16ToF32(0x03ff), 1023 * 2 ** -24);
  assert.equal(f16ToF32(0x0400), 2 ** -14);
  assert.ok(Object.is(f16ToF32(0x8000), -0));
  assert.equal(f16ToF32(0x7c00), Infinity);
  assert.equal(f16ToF32(0xfc00), -Infinity);
  assert.ok(Number.isNaN(f16ToF32(0x7e00)));
  assert.ok(Number.isNaN(f16ToF32(0xfc01)));
});

test("every non-NaN f16 survives f16 -> f32 -> f16, and the table agrees with f16ToF32", () => {
  for (let h = 0; h < 65536; h++) {
    const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    if (isNaN) {
      assert.ok(Number.isNaN(F16_TO_F32[h]));
      continue;
    }
    const f = f16ToF32(h);
    assert.ok(Object.is(F16_TO_F32[h], f), `table entry ${h}`);
    if (f32ToF16(f) !== h) assert.fail(`round trip of 0x${h.toString(16)} gave 0x${f32ToF16(f).toString(16)}`);
  }
});

test("f32ToBf16 follows ggml: round to nearest even on the upper half, NaN quieted", () => {
  assert.equal(f32ToBf16(1), 0x3f80);
  assert.equal(f32ToBf16(-1), 0xbf80);
  assert.equal(f32ToBf16(1 + 2 ** -8), 0x3f80, "tie rounds to even (down)");
  assert.equal(f32ToBf16(1 + 3 * 2 ** -8), 0x3f82, "tie rounds to even (up)");
  assert.equal(f32ToBf16(1 + 2 ** -8 + 2 ** -20), 0x3f81, "above the tie rounds up");
  assert.equal(f32ToBf16(f32FromBits(0x7f7fffff)), 0x7f80, "largest f32 rounds to inf, no special case");
  assert.equal(f32ToBf16(Infinity), 0x7f80);
  assert.equal(f32ToBf16(f32FromBits(0x7f800001)), 0x7fc0, "signalling NaN becomes quiet");
  assert.equal(f32ToBf16(f32FromBits(0xffc00000)), 0xffc0);
  assert.equal(f32ToBf16(f32FromBits(0x00000001)), 0x0000, "tiny subnormal rounds to zero");
});

test("bf16ToF32 is the pattern shifted into the top half; the table agrees", () => {
  assert.equal(bf16ToF32(0x3f80), 1);
  assert.equal(bf16ToF32(0xc040), -3);
  assert.equal(bf16ToF32(0x7f80), Infinity);
  for (let h = 0; h < 65536; h += 97) {
    const f = bf16ToF32(h);
    if (Number.isNaN(f)) assert.ok(Number.isNaN(BF16_TO_F32[h]));
    else {
      assert.ok(Object.is(BF16_TO_F32[h], f));
      assert.equal(f32ToBf16(f), h, `round trip 0x${h.toString(16)}`);
    }
  }
});
