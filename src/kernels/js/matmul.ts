// Plain-TypeScript matrix products over raw GGUF blocks: the readable reference for the
// WebAssembly kernels. Like llama.cpp's CPU backend, each activation row is first converted to
// the weight type's vecDotType (Q8_0 / Q8_1 / Q8_K / F16 / BF16 / F32) and the dot products then
// run block by block on integers, so our logits carry the same rounding as llama.cpp's.

import { quantizeActivationRow } from "../../tensors/activation-quants.js";
import { rowByteSize, typeTraits } from "../../tensors/type-traits.js";
import type { WeightMatrix } from "../kernels.js";

let scratch = new Uint8Array(0);

function scratchBytes(n: number): Uint8Array {
  // Reused across calls: prompt batches convert up to a few MB of activations per matmul.
  if (scratch.byteLength < n) scratch = new Uint8Array(Math.max(n, scratch.byteLength * 2));
  return scratch;
}

export function matmulJs(out: Float32Array, w: WeightMatrix, x: Float32Array, nTokens: number): void {
  const traits = typeTraits(w.type, w.name);
  const { rows, cols, rowBytes, data } = w;
  const actRowBytes = rowByteSize(traits.vecDotType, cols);
  const act = scratchBytes(actRowBytes * nTokens);
  for (let t = 0; t < nTokens; t++) {
    quantizeActivationRow(traits.vecDotType, x, t * cols, act, t * actRowBytes, cols);
  }
  const vecDot = traits.vecDot;
  // Row-outer order streams each weight row once per batch while the activations stay in cache.
  for (let r = 0; r < rows; r++) {
    const wOff = r * rowBytes;
    for (let t = 0; t < nTokens; t++) {
      out[t * rows + r] = vecDot(data, wOff, act, t * actRowBytes, cols);
    }
  }
}

export function getRowJs(out: Float32Array, outOff: number, w: WeightMatrix, row: number): void {
  if (row < 0 || row >= w.rows || !Number.isInteger(row)) {
    throw new RangeError(`Row ${row} is out of range for "${w.name}" with ${w.rows} rows`);
  }
  typeTraits(w.type, w.name).dequantizeRow(w.data, row * w.rowBytes, out, outOff, w.cols);
}
