import assert from "node:assert/strict";
import { test } from "node:test";
import { expf } from "./expf.js";

const exact = (x: number) => Math.fround(Math.exp(x));

test("expf equals fround(Math.exp(x)) on 300k random f32 values in [-120, 0]", () => {
  let state = 2024;
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  let checked = 0;
  for (let i = 0; i < 300_000; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    // Uniform over the range half the time, uniform over bit patterns (dense near 0) otherwise.
    let x: number;
    if (i & 1) x = Math.fround(-(state / 2 ** 32) * 120);
    else {
      bits[0] = (state & 0x7fffffff) | 0x80000000;
      x = asFloat[0]!;
      if (!(x >= -120)) continue;
    }
    assert.equal(expf(x), exact(x), `x = ${x}`);
    checked++;
  }
  assert.ok(checked > 200_000, `only ${checked} values checked`);
});

test("expf at the edges: 0, -0, -Infinity, the table's end, subnormal and zero results", () => {
  for (const x of [0, -0, -Infinity, -1e-45, -1e-7, -88.5, -103.2, -103.9, -104, -109.99, -110, -111, -200]) {
    assert.equal(expf(x), exact(x), `x = ${x}`);
  }
  assert.equal(expf(-Infinity), 0);
  assert.equal(expf(0), 1);
});

test("expf on f32 inputs whose exp lies nearest an f32 rounding boundary still matches", () => {
  // Walk consecutive f32 inputs around a few points: neighbours cover many rounding cases.
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (const start of [-0.5, -3, -17.25, -60, -95]) {
    f32[0] = start;
    for (let i = 0; i < 20_000; i++) {
      const x = f32[0]!;
      assert.equal(expf(x), exact(x), `x = ${x}`);
      u32[0]!++;
    }
  }
});
