import { test } from "node:test";
import assert from "node:assert/strict";
import { llama3RopeFreqFactors, ropeAngles } from "./rope.js";

test("llama3RopeFreqFactors reproduces the Llama 3.1 table (hd 128, base 500000, factor 8)", () => {
  const ff = llama3RopeFreqFactors(128, 500000, { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 });
  for (let i = 0; i <= 28; i++) assert.equal(ff[i], 1);
  const mid = [1.2075, 1.5534, 2.0263, 2.6945, 3.6843, 5.2573];
  mid.forEach((v, k) => assert.ok(Math.abs(ff[29 + k]! - v) < 1e-4, `ff[${29 + k}] = ${ff[29 + k]}`));
  for (let i = 35; i < 64; i++) assert.equal(ff[i], 8);
});

test("llama3RopeFreqFactors reproduces the Llama 3.2 table (hd 64, factor 32)", () => {
  const ff = llama3RopeFreqFactors(64, 500000);
  for (let i = 0; i <= 14; i++) assert.equal(ff[i], 1);
  [1.6513, 3.2923, 9.6667].forEach((v, k) => assert.ok(Math.abs(ff[15 + k]! - v) < 1e-4, `ff[${15 + k}] = ${ff[15 + k]}`));
  for (let i = 18; i < 32; i++) assert.equal(ff[i], 32);
});

test("ropeAngles: position 0 is the identity and angles follow base^(-2i/d)", () => {
  const cos = new Float32Array(2 * 4);
  const sin = new Float32Array(2 * 4);
  ropeAngles([0, 5], { headDim: 8, freqBase: 10000, freqScale: 1 }, cos, sin);
  for (let i = 0; i < 4; i++) {
    assert.equal(cos[i], 1);
    assert.equal(sin[i], 0);
    const angle = 5 * Math.pow(10000, (-2 * i) / 8);
    assert.ok(Math.abs(cos[4 + i]! - Math.cos(angle)) < 1e-5);
    assert.ok(Math.abs(sin[4 + i]! - Math.sin(angle)) < 1e-5);
  }
});

test("ropeAngles divides angles by the frequency factors and scales by freqScale", () => {
  const cos = new Float32Array(2);
  const sin = new Float32Array(2);
  ropeAngles([3], { headDim: 4, freqBase: 100, freqScale: 0.5, freqFactors: Float32Array.of(1, 4) }, cos, sin);
  assert.ok(Math.abs(sin[0]! - Math.sin(1.5)) < 1e-6);
  assert.ok(Math.abs(sin[1]! - Math.sin((0.5 * 3 * 0.1) / 4)) < 1e-6);
});
