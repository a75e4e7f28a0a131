// RMSNorm, RoPE, SiLU·mul, add and attention parity with the plain-TS kernels. RMSNorm, RoPE and
// add are bit-exact (same f64/f32 operations in the same order); SiLU·mul uses AssemblyScript's
// exp instead of V8's, identical after rounding to f32 in practice (checked to 1 ulp); attention
// sums in f32 lanes where the reference uses f64 (checked to 2e-6 relative).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { AttentionShape, KvBuffer } from "../../src/kernels/kernels.js";
import { f32ToF16 } from "../../src/tensors/f16.js";
import { firstMismatch, maxRelDiff, random, randomArray, reference, wasmBackends } from "./backends.js";

const backends = await wasmBackends();

function ulpDiff(a: number, b: number): number {
  const fa = new Float32Array([a, b]);
  const ia = new Int32Array(fa.buffer);
  return Math.abs(ia[0]! - ia[1]!);
}

for (const { name, kernels } of backends) {
  describe(`elementwise kernels on ${name} equal the plain-TS kernels`, () => {
    test("rmsNorm, bit-exact, in place and out of place", () => {
      for (const [nTok, n] of [[1, 64], [3, 37], [5, 2048]] as const) {
        const x = randomArray(nTok * n, random(n), 4);
        const w = randomArray(n, random(n + 1));
        const want = new Float32Array(nTok * n);
        const got = new Float32Array(nTok * n);
        reference.rmsNorm(want, x, w, nTok, n, 1e-5);
        kernels.rmsNorm(got, x, w, nTok, n, 1e-5);
        assert.equal(firstMismatch(want, got), undefined);
        const inPlace = x.slice();
        kernels.rmsNorm(inPlace, inPlace, w, nTok, n, 1e-5);
        assert.equal(firstMismatch(want, inPlace), undefined);
      }
    });

    test("rope, bit-exact, head sizes with and without a SIMD tail", () => {
      for (const [nTok, nHeads, headDim] of [[1, 8, 64], [4, 3, 32], [2, 2, 10]] as const) {
        const half = headDim / 2;
        const x = randomArray(nTok * nHeads * headDim, random(headDim), 2);
        const cos = randomArray(nTok * half, random(7));
        const sin = randomArray(nTok * half, random(8));
        const want = x.slice();
        const got = x.slice();
        reference.rope(want, nTok, nHeads, headDim, cos, sin);
        kernels.rope(got, nTok, nHeads, headDim, cos, sin);
        assert.equal(firstMismatch(want, got), undefined);
      }
    });

    test("swiglu within 1 ulp, add bit-exact", () => {
      for (const n of [1, 5, 1000, 8192]) {
        const gate = randomArray(n, random(n), 12);
        const up = randomArray(n, random(n + 1), 3);
        const want = new Float32Array(n);
        const got = new Float32Array(n);
        reference.swiglu(want, gate, up, n);
        kernels.swiglu(got, gate, up, n);
        for (let i = 0; i < n; i++) assert.ok(ulpDiff(want[i]!, got[i]!) <= 1, `swiglu[${i}]: ${want[i]} vs ${got[i]}`);
        const x1 = gate.slice();
        const x2 = gate.slice();
        reference.add(x1, up, n);
        kernels.add(x2, up, n);
        assert.equal(firstMismatch(x1, x2), undefined);
      }
    });
  });

  describe(`attention on ${name} agrees with the plain-TS kernels`, () => {
    const cases: (AttentionShape & { type: "f16" | "f32" })[] = [
      { type: "f16", nTokens: 1, pos0: 0, nHead: 8, nHeadKv: 2, headDim: 64, scale: 0.125 },
      { type: "f16", nTokens: 7, pos0: 20, nHead: 4, nHeadKv: 4, headDim: 32, scale: 0.2 },
      { type: "f32", nTokens: 3, pos0: 5, nHead: 8, nHeadKv: 2, headDim: 64, scale: 0.125 },
      { type: "f16", nTokens: 2, pos0: 3, nHead: 4, nHeadKv: 2, headDim: 24, scale: 0.3 },
      { type: "f32", nTokens: 1, pos0: 100, nHead: 2, nHeadKv: 1, headDim: 128, scale: 0.09 },
    ];
    for (const c of cases) {
      test(`${c.type} cache, ${c.nTokens} queries after ${c.pos0}, ${c.nHead}/${c.nHeadKv} heads of ${c.headDim}`, () => {
        const nKv = c.pos0 + c.nTokens;
        const rowSize = c.nHeadKv * c.headDim;
        const nCtx = nKv + 3;
        const fill = (buf: KvBuffer, seed: number) => {
          const rnd = random(seed);
          for (let i = 0; i < nKv * rowSize; i++) {
            const v = rnd() * 2;
            if (buf instanceof Uint16Array) buf[i] = f32ToF16(v);
            else (buf as Float32Array)[i] = v;
          }
        };
        const k = kernels.allocateKv(nCtx * rowSize, c.type);
        const v = kernels.allocateKv(nCtx * rowSize, c.type);
        fill(k, 1);
        fill(v, 2);
        const q = randomArray(c.nTokens * c.nHead * c.headDim, random(3), 2);
        const want = new Float32Array(q.length);
        const got = new Float32Array(q.length);
        reference.attention(want, q, k, v, c);
        kernels.attention(got, q, k, v, c);
        // outputs are convex combinations of V rows (|v| ≤ 2): compare relative to that bound
        assert.ok(maxRelDiff(want, got, () => 2) <= 2e-6, `max difference ${maxRelDiff(want, got, () => 2) * 2}`);
      });
    }

    test("a KV buffer outside WebAssembly memory falls back to the plain-TS attention", () => {
      const s = { nTokens: 1, pos0: 2, nHead: 2, nHeadKv: 1, headDim: 32, scale: 0.1 };
      const k = new Float32Array(3 * 32).map((_, i) => Math.sin(i));
      const v = new Float32Array(3 * 32).map((_, i) => Math.cos(i));
      const q = randomArray(64, random(4));
      const want = new Float32Array(64);
      const got = new Float32Array(64);
      reference.attention(want, q, k, v, s);
      kernels.attention(got, q, k, v, s);
      assert.equal(firstMismatch(want, got), undefined);
    });
  });
}
