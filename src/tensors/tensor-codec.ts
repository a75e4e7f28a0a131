// Whole-tensor conversions between f32 and any supported storage type, row by row through the
// type's traits (a tensor of nElements is a whole number of blocks). Used by the GGUF writer
// (synthetic test models) and by code that needs a dense f32 copy of a small tensor.

import type { GgmlType } from "../gguf/types.js";
import { rowByteSize, typeTraits } from "./type-traits.js";

/** Decodes `nElements` values of `type` from the start of `bytes` into a new Float32Array. */
export function dequantizeTensor(type: GgmlType, bytes: Uint8Array, nElements: number): Float32Array {
  const out = new Float32Array(nElements);
  typeTraits(type).dequantizeRow(bytes, 0, out, 0, nElements);
  return out;
}

/** Encodes `f32` with llama.cpp's reference quantization of `type`; the length must be whole blocks. */
export function quantizeTensor(type: GgmlType, f32: Float32Array): Uint8Array {
  const traits = typeTraits(type);
  if (!traits.quantizeRow) throw new Error(`No quantizer for tensor type ${traits.name}`);
  const out = new Uint8Array(rowByteSize(type, f32.length));
  traits.quantizeRow(f32, 0, out, 0, f32.length);
  return out;
}
