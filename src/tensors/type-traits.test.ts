// Every supported type through its traits: quantize -> dequantize error bounds on seeded data
// (plus llama.cpp's own test-quantize-fns bounds), dot products against the dequantized values
// (pins the integer-sum formulas), odd offsets, activation rounding, Q8_K bsums, and errors.

import assert from "node:assert/strict";
import { test } from "node:test";
import { UnsupportedError } from "../errors.js";
import { GgmlType } from "../gguf/types.js";
import { q8KBsums, quantizeActivationRow } from "./activation-quants.js";
import { F16_TO_F32 } from "./f16.js";
import { dequantizeTensor, quantizeTensor } from "./tensor-codec.js";
import { rowByteSize, SUPPORTED_TYPES, typeTraits } from "./type-traits.js";

const STORAGE = [
  GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
  GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
];

/** Bounds on RMS(error)/RMS(data) for Gaussian rows, a little above what the reference codecs reach. */
const REL_RMS: Partial<Record<GgmlType, number>> = {
  [GgmlType.F32]: 0, [GgmlType.F16]: 1e-3, [GgmlType.BF16]: 5e-3, [GgmlType.Q8_0]: 0.01, [GgmlType.Q6_K]: 0.02,
  [GgmlType.Q5_0]: 0.045, [GgmlType.Q5_1]: 0.045, [GgmlType.Q5_K]: 0.04, [GgmlType.Q4_0]: 0.095,
  [GgmlType.Q4_1]: 0.085, [GgmlType.Q4_K]: 0.08, [GgmlType.Q3_K]: 0.17, [GgmlType.Q2_K]: 0.33,
};

/** mulberry32 + Box–Muller: reproducible Gaussian rows. */
function gaussianRow(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

function relRms(x: Float32Array, y: Float32Array): number {
  let e = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    e += (x[i] - y[i]) ** 2;
    s += x[i] ** 2;
  }
  return Math.sqrt(e / s);
}

const name = (t: GgmlType): string => GgmlType[t];

test("every storage type and the activation types have traits with ggml's geometry", () => {
  for (const t of [...STORAGE, GgmlType.Q8_1, GgmlType.Q8_K]) assert.ok(SUPPORTED_TYPES.includes(t), name(t));
  assert.equal(typeTraits(GgmlType.Q4_K).typeSize, 144);
  assert.equal(typeTraits(GgmlType.Q4_K).blockSize, 256);
  assert.equal(rowByteSize(GgmlType.Q8_0, 64), 68);
  const vdt: [GgmlType, GgmlType][] = [
    [GgmlType.F32, GgmlType.F32], [GgmlType.F16, GgmlType.F16], [GgmlType.BF16, GgmlType.BF16],
    [GgmlType.Q4_0, GgmlType.Q8_0], [GgmlType.Q5_0, GgmlType.Q8_0], [GgmlType.Q8_0, GgmlType.Q8_0],
    [GgmlType.Q4_1, GgmlType.Q8_1], [GgmlType.Q5_1, GgmlType.Q8_1],
    [GgmlType.Q2_K, GgmlType.Q8_K], [GgmlType.Q3_K, GgmlType.Q8_K], [GgmlType.Q4_K, GgmlType.Q8_K],
    [GgmlType.Q5_K, GgmlType.Q8_K], [GgmlType.Q6_K, GgmlType.Q8_K],
  ];
  for (const [w, a] of vdt) assert.equal(typeTraits(w).vecDotType, a, name(w));
});

test("quantize -> dequantize stays within each type's error bound (Gaussian rows)", () => {
  const x = gaussianRow(2048, 7);
  for (const t of STORAGE) {
    const err = relRms(x, dequantizeTensor(t, quantizeTensor(t, x), x.length));
    assert.ok(err <= REL_RMS[t]!, `${name(t)}: relative RMS error ${err.toFixed(4)} > ${REL_RMS[t]}`);
  }
});

test("quantize -> dequantize meets llama.cpp's test-quantize-fns bounds (0.1 + 2cos(i + offset))", () => {
  const n = 32 * 128;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.1 + 2 * Math.cos(i + 0.0);
  for (const t of STORAGE) {
    const y = dequantizeTensor(t, quantizeTensor(t, x), n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (x[i] - y[i]) ** 2;
    const err = Math.sqrt(sum) / n; // upstream array_rmse: sqrt(Σd²)/n
    const bound = t === GgmlType.Q2_K ? 0.0075 : t === GgmlType.Q3_K ? 0.004 : 0.002;
    assert.ok(err < bound, `${name(t)}: ${err} >= ${bound}`);
  }
});

test("all-zero rows quantize to exact zeros; a single outlier is kept", () => {
  const zeros = new Float32Array(512);
  const outlier = gaussianRow(512, 11).map((v) => v * 0.01);
  outlier[300] = 25;
  for (const t of STORAGE) {
    const z = dequantizeTensor(t, quantizeTensor(t, zeros), 512);
    assert.ok(z.every((v) => v === 0), `${name(t)} zeros`);
    const y = dequantizeTensor(t, quantizeTensor(t, outlier), 512);
    assert.ok(Math.abs(y[300] - 25) / 25 < 0.02, `${name(t)} outlier -> ${y[300]}`);
    assert.ok(relRms(outlier, y) < 2 * REL_RMS[t]! + 1e-3, `${name(t)} outlier row error ${relRms(outlier, y)}`);
  }
});

/** Σ dequant(w)·dequant(a) in double, plus for Q8_1 the f16 rounding of s that the dot uses instead of d·Σq. */
function referenceDot(t: GgmlType, w: Uint8Array, a: Uint8Array, n: number): { value: number; magnitude: number } {
  const vdt = typeTraits(t).vecDotType;
  const wf = dequantizeTensor(t, w, n);
  const af = dequantizeTensor(vdt, a, n);
  let value = 0;
  let magnitude = 0;
  for (let i = 0; i < n; i++) {
    value += wf[i] * af[i];
    magnitude += Math.abs(wf[i] * af[i]);
  }
  if (vdt === GgmlType.Q8_1) {
    const wBytes = typeTraits(t).typeSize;
    for (let b = 0; b < n / 32; b++) {
      const m = F16_TO_F32[w[b * wBytes + 2] | (w[b * wBytes + 3] << 8)];
      const d = F16_TO_F32[a[b * 36] | (a[b * 36 + 1] << 8)];
      const s = F16_TO_F32[a[b * 36 + 2] | (a[b * 36 + 3] << 8)];
      let qsum = 0;
      for (let j = 0; j < 32; j++) qsum += (a[b * 36 + 4 + j] << 24) >> 24;
      value += m * (s - d * qsum);
    }
  }
  return { value, magnitude };
}

function activation(t: GgmlType, x: Float32Array): Uint8Array {
  const vdt = typeTraits(t).vecDotType;
  const a = new Uint8Array(rowByteSize(vdt, x.length));
  quantizeActivationRow(vdt, x, 0, a, 0, x.length);
  return a;
}

test("vecDot(w, activation) equals Σ dequant(w)·dequant(activation) for every storage type", () => {
  const n = 1024;
  for (const [seedW, seedA] of [[1, 2], [3, 4], [5, 6]]) {
    const x = gaussianRow(n, seedW);
    const act = gaussianRow(n, seedA);
    for (const t of STORAGE) {
      const w = quantizeTensor(t, x);
      const a = activation(t, act);
      const got = typeTraits(t).vecDot(w, 0, a, 0, n);
      const { value, magnitude } = referenceDot(t, w, a, n);
      assert.ok(Math.abs(got - value) <= 1e-5 * magnitude, `${name(t)}: ${got} vs ${value} (scale ${magnitude})`);
    }
  }
});

test("vecDot gives the same result at any byte offset, odd ones included", () => {
  const n = 512;
  const x = gaussianRow(n, 21);
  const act = gaussianRow(n, 22);
  for (const t of STORAGE) {
    const w = quantizeTensor(t, x);
    const a = activation(t, act);
    const want = typeTraits(t).vecDot(w, 0, a, 0, n);
    for (const [wo, ao] of [[1, 0], [0, 3], [5, 7], [2, 2]]) {
      const wb = new Uint8Array(wo + w.length);
      wb.set(w, wo);
      const ab = new Uint8Array(ao + a.length + 1).subarray(1); // also a view with its own byteOffset
      ab.set(a, ao);
      assert.equal(typeTraits(t).vecDot(wb, wo, ab, ao, n), want, `${name(t)} at offsets ${wo}/${ao}`);
      const y = new Float32Array(n);
      typeTraits(t).dequantizeRow(wb, wo, y, 0, n);
      assert.deepEqual(y, dequantizeTensor(t, w, n), `${name(t)} dequantize at offset ${wo}`);
    }
  }
});

test("Q8_0 weights use roundf (ties away from zero), Q8_0 activations x86's round-to-even on x·(127/amax)", () => {
  const x = new Float32Array(32);
  x.set([127, 0.5, 1.5, 2.5, -0.5, -2.5, 3.5, -126.5]);
  const weight = quantizeTensor(GgmlType.Q8_0, x);
  const act = new Uint8Array(34);
  quantizeActivationRow(GgmlType.Q8_0, x, 0, act, 0, 32);
  const int8 = (b: Uint8Array, i: number): number => (b[2 + i] << 24) >> 24;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => int8(weight, i)), [127, 1, 2, 3, -1, -3, 4, -127]);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => int8(act, i)), [127, 0, 2, 2, 0, -2, 4, -126]);
  assert.equal(weight[0] | (weight[1] << 8), 0x3c00, "d = 127/127 = 1");
});

test("Q8_1 activations store s = f16(d·Σq)", () => {
  const x = gaussianRow(64, 31);
  const a = new Uint8Array(72);
  quantizeActivationRow(GgmlType.Q8_1, x, 0, a, 0, 64);
  for (let b = 0; b < 2; b++) {
    const d = F16_TO_F32[a[36 * b] | (a[36 * b + 1] << 8)];
    let q = 0;
    for (let j = 0; j < 32; j++) q += (a[36 * b + 4 + j] << 24) >> 24;
    const s = F16_TO_F32[a[36 * b + 2] | (a[36 * b + 3] << 8)];
    assert.ok(Math.abs(s - d * q) <= Math.abs(d * q) * 2 ** -10, `block ${b}`);
  }
});

test("Q8_K: d = 1/(−127/max) with max the signed largest magnitude; bsums are the 16-element sums", () => {
  const x = gaussianRow(512, 41);
  x[7] = 9; // largest magnitude in block 0, positive -> d < 0 and that element -> −127
  x[300] = -9; // block 1: negative max -> d > 0
  const a = new Uint8Array(2 * 292);
  quantizeActivationRow(GgmlType.Q8_K, x, 0, a, 0, 512);
  const dv = new DataView(a.buffer);
  assert.equal(dv.getFloat32(0, true), Math.fround(1 / Math.fround(-127 / 9)));
  assert.ok(dv.getFloat32(292, true) > 0);
  assert.equal(dv.getInt8(4 + 7), -127);
  for (let b = 0; b < 2; b++) {
    const bsums = q8KBsums(a, 292 * b);
    for (let g = 0; g < 16; g++) {
      let s = 0;
      for (let i = 0; i < 16; i++) s += dv.getInt8(292 * b + 4 + 16 * g + i);
      assert.equal(bsums[g], s, `block ${b} group ${g}`);
    }
  }
  const zero = new Uint8Array(292).fill(0xff);
  quantizeActivationRow(GgmlType.Q8_K, new Float32Array(256), 0, zero, 0, 256);
  assert.ok(zero.every((v) => v === 0), "an all-zero block is all zero bytes");
});

test("unsupported types throw UnsupportedError naming the type and the tensor", () => {
  assert.throws(() => typeTraits(99, "blk.0.attn_q.weight"), (e: unknown) => {
    assert.ok(e instanceof UnsupportedError);
    assert.equal(e.message, 'Unsupported tensor type type 99 in tensor "blk.0.attn_q.weight"');
    return true;
  });
  assert.throws(() => typeTraits(GgmlType.IQ2_XXS, "blk.3.ffn_down.weight"), {
    name: "UnsupportedError",
    message: 'Unsupported tensor type IQ2_XXS in tensor "blk.3.ffn_down.weight"',
  });
  assert.throws(() => typeTraits(4), { message: "Unsupported tensor type type 4" });
  assert.throws(() => typeTraits(GgmlType.Q8_K).vecDot(new Uint8Array(292), 0, new Uint8Array(292), 0, 256), UnsupportedError);
});

test("rows that are not a whole number of blocks, or overrun their buffer, are rejected", () => {
  const q4 = typeTraits(GgmlType.Q4_0);
  assert.throws(() => q4.dequantizeRow(new Uint8Array(36), 0, new Float32Array(64), 0, 33), RangeError);
  assert.throws(() => q4.quantizeRow!(new Float32Array(48), 0, new Uint8Array(36), 0, 48), RangeError);
  assert.throws(() => q4.vecDot(new Uint8Array(36), 0, new Uint8Array(68), 0, 40), RangeError);
  assert.throws(() => q4.vecDot(new Uint8Array(36), 1, new Uint8Array(68), 0, 64), RangeError);
  assert.throws(() => rowByteSize(GgmlType.Q4_K, 100), /not a multiple of the Q4_K block size 256/);
  assert.throws(() => quantizeTensor(GgmlType.Q6_K, new Float32Array(300)), RangeError);
  assert.throws(() => quantizeActivationRow(GgmlType.Q8_K, new Float32Array(255), 0, new Uint8Array(292), 0, 255), RangeError);
  assert.throws(() => quantizeActivationRow(GgmlType.Q8_0, new Float32Array(40), 0, new Uint8Array(68), 0, 40), RangeError);
  assert.throws(() => quantizeActivationRow(GgmlType.Q4_0, new Float32Array(32), 0, new Uint8Array(18), 0, 32), UnsupportedError);
});
