// matmul / matmulMany parity: every tensor type, widths that are odd multiples of the block size
// (and arbitrary widths for float types), row counts that split unevenly across threads, one and
// several tokens. Quantized types must equal the plain-TS kernels bit for bit (integer block sums,
// same float order); F32/F16/BF16 sum in f32 lanes and must agree within 2e-6 of Σ|w·x|.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GgmlType, ggmlTypeName } from "../../src/gguf/types.js";
import type { WeightMatrix } from "../../src/kernels/kernels.js";
import { WASM_TYPES } from "../../src/kernels/wasm/wasm-kernels.js";
import { dequantizeTensor } from "../../src/tensors/tensor-codec.js";
import { rowByteSize, typeTraits } from "../../src/tensors/type-traits.js";
import { firstMismatch, maxRelDiff, random, randomArray, reference, wasmBackends } from "./backends.js";

const FLOAT_TYPES = new Set([GgmlType.F32, GgmlType.F16, GgmlType.BF16]);

function widths(type: GgmlType): number[] {
  const b = typeTraits(type).blockSize;
  if (b === 1) return [1, 7, 37, 64, 130];
  if (b === 32) return [32, 96, 2080];
  return [256, 768];
}

function makeWeight(type: GgmlType, rows: number, cols: number, seed: number): WeightMatrix {
  const rnd = random(seed);
  const tr = typeTraits(type);
  const rowBytes = rowByteSize(type, cols);
  const data = new Uint8Array(rows * rowBytes);
  const row = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) row[i] = rnd() * (1 + (r % 3)); // rows of different magnitude
    tr.quantizeRow!(row, 0, data, r * rowBytes, cols);
  }
  return { name: `w-${ggmlTypeName(type)}`, type, rows, cols, rowBytes, data };
}

/** Σ_k |W[r,k]·x[t,k]| for each output, the scale float tolerances are relative to. */
function absDot(w: WeightMatrix, x: Float32Array, nTok: number): Float32Array {
  const W = dequantizeTensor(w.type, w.data, w.rows * w.cols);
  const out = new Float32Array(nTok * w.rows);
  for (let t = 0; t < nTok; t++) {
    for (let r = 0; r < w.rows; r++) {
      let s = 0;
      for (let k = 0; k < w.cols; k++) s += Math.abs(W[r * w.cols + k]! * x[t * w.cols + k]!);
      out[t * w.rows + r] = s;
    }
  }
  return out;
}

const backends = await wasmBackends();

for (const { name, kernels } of backends) {
  describe(`matmul on ${name} equals the plain-TS kernels`, () => {
    for (const type of WASM_TYPES) {
      test(ggmlTypeName(type), () => {
        let seed = 1;
        for (const cols of widths(type)) {
          for (const rows of [1, 17, 40]) {
            for (const nTok of [1, 2, 5, 9]) {
              const w = makeWeight(type, rows, cols, seed++);
              const x = randomArray(nTok * cols, random(seed++), 3);
              const want = new Float32Array(nTok * rows);
              const got = new Float32Array(nTok * rows);
              reference.matmul(want, w, x, nTok);
              kernels.matmul(got, kernels.prepareWeight(w), x, nTok);
              const where = `${rows}×${cols}, ${nTok} token(s)`;
              if (FLOAT_TYPES.has(type)) {
                const norm = absDot(w, x, nTok);
                const d = maxRelDiff(want, got, (i) => norm[i]!);
                assert.ok(d <= 2e-6, `${where}: relative difference ${d}`);
              } else {
                const bad = firstMismatch(want, got);
                assert.equal(bad, undefined, `${where}: ${bad}`);
              }
            }
          }
        }
      });
    }

    test("matmulMany over mixed types (Q4_K_M-like Q, K, V) equals one matmul each", () => {
      const cols = 512;
      const ws = [makeWeight(GgmlType.Q4_K, 64, cols, 5), makeWeight(GgmlType.Q4_K, 16, cols, 6), makeWeight(GgmlType.Q6_K, 16, cols, 7)];
      const x = randomArray(3 * cols, random(8), 2);
      const outs = ws.map((w) => new Float32Array(3 * w.rows));
      kernels.matmulMany(ws.map((w, i) => ({ out: outs[i]!, w: kernels.prepareWeight(w) })), x, 3);
      ws.forEach((w, i) => {
        const want = new Float32Array(3 * w.rows);
        reference.matmul(want, w, x, 3);
        assert.equal(firstMismatch(want, outs[i]!), undefined);
      });
    });

    test("bad shapes are RangeErrors, not traps", () => {
      const w = kernels.prepareWeight(makeWeight(GgmlType.Q8_0, 4, 64, 9));
      assert.throws(() => kernels.matmul(new Float32Array(4), w, new Float32Array(63), 1), RangeError);
      assert.throws(() => kernels.matmul(new Float32Array(3), w, new Float32Array(64), 1), RangeError);
      assert.throws(() => kernels.matmul(new Float32Array(4), w, new Float32Array(64), 0), RangeError);
    });
  });
}
