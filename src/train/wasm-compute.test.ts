import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { jsCompute, jsSgemm } from "./compute.js";
import { wasmCompute, type WasmTrainCompute } from "./wasm-compute.js";

interface Case {
  tA: boolean;
  tB: boolean;
  M: number;
  N: number;
  K: number;
  alpha?: number;
  beta?: number;
  /** Extra elements at the end of each row of A, B and C (strides larger than the rows). */
  pad?: number;
}

/** Deterministic values in [-1, 1) from a seed (xorshift). */
function fill(v: Float32Array, seed: number): void {
  let s = seed | 1;
  for (let i = 0; i < v.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = (s >>> 8) / (1 << 23) - 1;
  }
}

interface Operands {
  A: Float32Array;
  B: Float32Array;
  C: Float32Array;
  lda: number;
  ldb: number;
  ldc: number;
}

function operands(c: WasmTrainCompute, k: Case, seed: number, cFill?: number): Operands {
  const pad = k.pad ?? 0;
  const lda = (k.tA ? k.M : k.K) + pad;
  const ldb = (k.tB ? k.K : k.N) + pad;
  const ldc = k.N + pad;
  const A = c.alloc(Math.max(0, (k.tA ? k.K : k.M) * lda));
  const B = c.alloc(Math.max(0, (k.tB ? k.N : k.K) * ldb));
  const C = c.alloc(k.M * ldc);
  fill(A, seed);
  fill(B, seed + 1);
  if (cFill === undefined) fill(C, seed + 2);
  else C.fill(cFill);
  return { A, B, C, lda, ldb, ldc };
}

/**
 * Checks C against the product in f64 over the same f32 inputs: each element within
 * 1e-5 · (|alpha| Σ|a·b| + |beta·c|); elements outside the M×N block must be untouched.
 */
function check(k: Case, o: Operands, cBefore: Float32Array, got: Float32Array): void {
  const { M, N, K, tA, tB } = k;
  const alpha = k.alpha ?? 1;
  const beta = k.beta ?? 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let mag = 0;
      for (let p = 0; p < K; p++) {
        const a = o.A[tA ? p * o.lda + i : i * o.lda + p]!;
        const b = o.B[tB ? j * o.ldb + p : p * o.ldb + j]!;
        s += a * b;
        mag += Math.abs(a * b);
      }
      const c0 = beta === 0 ? 0 : beta * cBefore[i * o.ldc + j]!;
      const want = alpha * s + c0;
      const tol = 1e-5 * (Math.abs(alpha) * mag + Math.abs(c0)) + 1e-30;
      const have = got[i * o.ldc + j]!;
      if (!(Math.abs(have - want) <= tol)) {
        assert.fail(`${JSON.stringify(k)}: C[${i},${j}] = ${have}, want ${want} (±${tol})`);
      }
    }
    for (let j = N; j < o.ldc && i * o.ldc + j < got.length; j++) {
      assert.ok(Object.is(got[i * o.ldc + j], cBefore[i * o.ldc + j]), `${JSON.stringify(k)}: padding C[${i},${j}] changed`);
    }
  }
}

function runCase(c: WasmTrainCompute, k: Case, seed: number): Float32Array {
  const o = operands(c, k, seed);
  const before = o.C.slice();
  c.sgemm(k.tA, k.tB, k.M, k.N, k.K, k.alpha ?? 1, o.A, o.lda, o.B, o.ldb, k.beta ?? 0, o.C, o.ldc);
  check(k, o, before, o.C);
  return o.C.slice();
}

const TRANSPOSES = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

/** Sizes around the kernel's tiles (4×8), its row block (128) and K block (256). */
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 3], [5, 1, 9], [3, 5, 1], [4, 8, 4], [7, 9, 11], [16, 16, 16], [17, 33, 65],
  [70, 13, 2], [2, 70, 70], [97, 31, 130], [130, 67, 257], [9, 130, 300], [129, 8, 513],
];

describe("wasm sgemm", () => {
  let w1: WasmTrainCompute;
  let w2: WasmTrainCompute;
  before(async () => {
    w1 = await wasmCompute({ threads: 1 });
    w2 = await wasmCompute({ threads: 2 });
  });
  after(() => {
    w1?.dispose();
    w2?.dispose();
  });

  it("matches the f64 product for every transpose, odd sizes, padded strides and alpha/beta", () => {
    let seed = 1;
    for (const [tA, tB] of TRANSPOSES) {
      for (const [M, N, K] of SHAPES) {
        runCase(w1, { tA, tB, M, N, K }, seed++);
        runCase(w1, { tA, tB, M, N, K, alpha: -0.75, beta: 1.5, pad: 3 }, seed++);
      }
      runCase(w1, { tA, tB, M: 33, N: 41, K: 29, alpha: 2, beta: 1, pad: 1 }, seed++);
      runCase(w1, { tA, tB, M: 33, N: 41, K: 29, alpha: 1, beta: -1 }, seed++);
    }
  });

  it("ignores C's old contents when beta = 0, NaN included", () => {
    for (const [tA, tB] of TRANSPOSES) {
      const k: Case = { tA, tB, M: 13, N: 21, K: 300, pad: 2 };
      const o = operands(w1, k, 7, NaN);
      const before = o.C.slice();
      w1.sgemm(tA, tB, k.M, k.N, k.K, 1, o.A, o.lda, o.B, o.ldb, 0, o.C, o.ldc);
      check(k, o, before, o.C);
    }
  });

  it("scales C by beta alone when K = 0 or alpha = 0", () => {
    const C = w1.alloc(6);
    C.set([1, 2, 3, NaN, NaN, NaN]);
    const A = w1.alloc(3);
    A.fill(Infinity);
    w1.sgemm(false, false, 1, 3, 0, 1, A, 0, A, 3, 2, C, 3);
    assert.deepEqual([...C.subarray(0, 3)], [2, 4, 6]);
    w1.sgemm(false, false, 1, 3, 1, 0, A, 1, A, 3, 0, C.subarray(3), 3);
    assert.deepEqual([...C.subarray(3)], [0, 0, 0]);
  });

  it("computes on subarrays of allocated arrays", () => {
    const M = 19, N = 23, K = 37;
    const big = w1.alloc(10_000);
    fill(big, 5);
    const A = big.subarray(3, 3 + M * K);
    const B = big.subarray(2000, 2000 + K * N);
    const C = big.subarray(5001, 5001 + M * N);
    const want = new Float64Array(M * N);
    jsSgemm(false, false, M, N, K, 1, Float64Array.from(A), K, Float64Array.from(B), N, 0, want, N);
    w1.sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C, N);
    for (let i = 0; i < M * N; i++) assert.ok(Math.abs(C[i]! - want[i]!) <= 1e-5 * K, `C[${i}] = ${C[i]}, want ${want[i]}`);
  });

  it("gives the same bits on 1 and 2 threads, splitting rows or columns", () => {
    // Large enough to run on the pool: rows split (M ≥ N), columns split (few rows, wide C).
    const cases: Case[] = [
      { tA: false, tB: true, M: 301, N: 77, K: 520, alpha: 0.5, beta: 0.25, pad: 1 },
      { tA: true, tB: false, M: 96, N: 96, K: 1030 },
      { tA: false, tB: false, M: 20, N: 1001, K: 130, beta: 1 },
      { tA: true, tB: true, M: 9, N: 517, K: 300 },
    ];
    cases.forEach((k, i) => {
      const one = runCase(w1, k, 100 + i);
      const two = runCase(w2, k, 100 + i);
      assert.deepEqual(new Uint32Array(two.buffer), new Uint32Array(one.buffer), `${JSON.stringify(k)}: 2 threads differ from 1`);
    });
  });

  it("keeps earlier arrays valid when the memory grows", () => {
    const A = w1.alloc(64);
    A.fill(1);
    const grown = w1.alloc(16 << 20); // 64 MiB: the memory must grow
    grown[grown.length - 1] = 3;
    const C = w1.alloc(64);
    w1.sgemm(false, false, 8, 8, 8, 1, A, 8, A, 8, 0, C, 8);
    assert.deepEqual([...C], new Array(64).fill(8));
    assert.equal(grown[grown.length - 1], 3);
  });

  it("hands out zeroed arrays", () => {
    const C = w1.alloc(1000);
    assert.ok(C.every((x) => x === 0));
  });

  it("rejects arrays that are not in its memory, wrong element types and overlaps", () => {
    const mine = w1.alloc(16);
    const other = w2.alloc(16);
    assert.throws(() => w1.sgemm(false, false, 4, 4, 4, 1, new Float32Array(16), 4, mine, 4, 0, w1.alloc(16), 4), /A is not an array from this backend's alloc/);
    assert.throws(() => w1.sgemm(false, false, 4, 4, 4, 1, mine, 4, other, 4, 0, w1.alloc(16), 4), /B is not an array from this backend's alloc/);
    assert.throws(() => w1.sgemm(false, false, 4, 4, 4, 1, mine, 4, mine, 4, 0, jsCompute("f64").alloc(16), 4), /C is a Float64Array/);
    assert.throws(() => w1.sgemm(false, false, 4, 4, 4, 1, mine, 4, w1.alloc(16), 4, 0, mine, 4), /C overlaps A/);
    assert.throws(() => w1.sgemm(false, false, 4, 4, 4, 1, mine, 3, mine, 4, 0, w1.alloc(16), 4), /lda 3 < 4/);
    assert.throws(() => w1.sgemm(false, false, 4.5, 4, 4, 1, mine, 4, mine, 4, 0, w1.alloc(16), 4), /M must be a non-negative integer/);
  });

  it("the SIMD128 build agrees with the default build", async () => {
    const simd = await wasmCompute({ threads: 1, build: "simd" });
    try {
      assert.equal(simd.build, "simd128");
      let seed = 500;
      for (const [tA, tB] of TRANSPOSES) runCase(simd, { tA, tB, M: 37, N: 45, K: 290, alpha: 1.25, beta: 0.5, pad: 2 }, seed++);
    } finally {
      simd.dispose();
    }
  });
});

describe("createTrainCompute", () => {
  it("gives the requested backend, or js with a reason", async () => {
    const { createTrainCompute } = await import("./select-compute.js");
    const js = await createTrainCompute("js", 1);
    assert.equal(js.compute.name, "js-f32");
    assert.equal(js.fallbackReason, undefined);
    const wasm = await createTrainCompute("wasm", 1);
    try {
      // The module is built in this repository's test setup, so the request must be met.
      assert.equal(wasm.fallbackReason, undefined);
      assert.match(wasm.compute.name, /^wasm-/);
    } finally {
      wasm.compute.dispose();
    }
    await assert.rejects(createTrainCompute("wasm", 0), /positive integer/);
  });
});
