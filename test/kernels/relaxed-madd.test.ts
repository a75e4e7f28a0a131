// The relaxed-SIMD build reproduces the reference's per-block chain fr(sum + d·Σ) with
// f32x4.relaxed_madd, which is exact only when the engine fuses it; the build is chosen only then.

import { test } from "node:test";
import assert from "node:assert/strict";
import { relaxedMaddFused, relaxedSimdSupported } from "../../src/kernels/wasm/kernel-module.js";

test("the relaxed build is chosen only where f32x4.relaxed_madd is fused", async () => {
  const relaxed = await relaxedSimdSupported();
  if (relaxed) assert.equal(relaxedMaddFused(), true);
  if (!relaxedMaddFused()) assert.equal(relaxed, false);
});

test("the fused multiply-add probe tells one rounding from two", () => {
  // What the probe computes, in f64 (exact here) and with the product rounded to f32 first.
  const a = Math.fround(1 + 2 ** -12);
  const c = Math.fround(-(1 + 2 ** -11));
  assert.equal(Math.fround(a * a + c), 2 ** -24);
  assert.equal(Math.fround(Math.fround(a * a) + c), 0);
});
