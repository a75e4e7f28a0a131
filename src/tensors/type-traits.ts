// Per-type facts and row codecs for every ggml tensor type the engine handles: block geometry,
// dequantization, llama.cpp's reference quantization, and the dot product against activations
// converted to the type's `vecDotType` (what llama.cpp's CPU backend does before each matmul).
// Reference: ggml/src/ggml-common.h (block layouts), ggml/src/ggml-quants.c (reference codecs).

import { UnsupportedError } from "../errors.js";
import { GgmlType, ggmlTypeName } from "../gguf/types.js";

export interface GgmlTypeTraits {
  type: GgmlType;
  name: string;
  /** Elements per block (1 for float types, 32 for legacy quants, 256 for K-quants). */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
  /** Writes `n` f32 values (n a multiple of blockSize) decoded from the row starting at `srcOff`. */
  dequantizeRow(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void;
  /** llama.cpp's reference quantization (`quantize_row_*_ref`); absent where we cannot encode. */
  quantizeRow?(src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void;
  /** The type activations are converted to before a dot product with a row of this type. */
  vecDotType: GgmlType;
  /**
   * Dot product of `n` elements: a weight row of this type at `w[wOff..]` and an activation row
   * already converted to `vecDotType` at `a[aOff..]`. Accumulates like ggml: integer block sums,
   * f32 scale products.
   */
  vecDot(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number;
}

const registry = new Map<GgmlType, GgmlTypeTraits>();

export function registerTypeTraits(traits: GgmlTypeTraits): void {
  registry.set(traits.type, traits);
}

/** Traits of a supported type, or an UnsupportedError naming the type and (if given) the tensor. */
export function typeTraits(type: number, tensorName?: string): GgmlTypeTraits {
  const traits = registry.get(type);
  if (!traits) {
    const where = tensorName ? ` in tensor "${tensorName}"` : "";
    throw new UnsupportedError(`Unsupported tensor type ${ggmlTypeName(type)}${where}`, ggmlTypeName(type));
  }
  return traits;
}

/** Bytes of one row of `n` elements; throws if n is not a whole number of blocks. */
export function rowByteSize(type: GgmlType, n: number): number {
  const t = typeTraits(type);
  if (n % t.blockSize !== 0) {
    throw new RangeError(`Row length ${n} is not a multiple of the ${t.name} block size ${t.blockSize}`);
  }
  return (n / t.blockSize) * t.typeSize;
}
