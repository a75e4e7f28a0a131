// matmul / matmulMany parity: every tensor type, widths that are odd multiples of the block size
// (and arbitrary widths for float types), row counts that split unevenly across threads, one and
// several tokens. Every type must equal the plain-TS kernels bit for bit: integer block sums and
// the same float order for quantized types, the same four f64 lanes for F32/F16/BF16.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GgmlType, ggmlTypeName } from "../../src/gguf/types.js";
import type { WeightMatrix } from "../../src/kernels/kernels.js";
import { WASM_TYPES } from "../../src/kernels/wasm/wasm-kernels.js";
import { rowByteSize, typeTraits } from "../../src/tensors/type-traits.js";
import { firstMismatch, random, randomArray, reference, wasmBackends } from "./backends.js";

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
              const bad = firstMismatch(want, got);
              assert.equal(bad, undefined, `${where}: ${bad}`);
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
