// Per-type facts and row codecs for every ggml tensor type the engine handles: block geometry,
// dequantization, llama.cpp's reference quantization, and the dot product against activations
// converted to the type's `vecDotType` (what llama.cpp's CPU backend does before each matmul).
// Reference: ggml/src/ggml-cpu/ggml-cpu.c (type_traits_cpu), ggml/src/ggml.c (type_traits).

import { UnsupportedError } from "../errors.js";
import { GGML_BLOCK_GEOMETRY, GgmlType, ggmlTypeName } from "../gguf/types.js";
import { dequantizeRowQ8_K, quantizeRowQ8_K } from "./activation-quants.js";
import * as F from "./float-types.js";
import { vecDotQ2_K, vecDotQ3_K, vecDotQ4_K, vecDotQ5_K, vecDotQ6_K } from "./k-dots.js";
import * as K from "./k-quants.js";
import * as KQ from "./k-quants-quantize.js";
import { vecDotQ4_0, vecDotQ4_1, vecDotQ5_0, vecDotQ5_1, vecDotQ8_0 } from "./legacy-dots.js";
import * as Q from "./legacy-quants.js";

export interface GgmlTypeTraits {
  type: GgmlType;
  name: string;
  /** Elements per block (1 for float types, 32 for legacy quants, 256 for K-quants). */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
  /** Writes `n` f32 values (n a multiple of blockSize) decoded from the row starting at `srcOff`. */
  dequantizeRow(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void;
  /**
   * llama.cpp's reference quantization (`quantize_row_*_ref`): how weights are written to a file.
   * Not the activation conversion before a matmul; that is `quantizeActivationRow`.
   */
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

type Codecs = Pick<GgmlTypeTraits, "dequantizeRow" | "quantizeRow" | "vecDotType" | "vecDot">;

/** Q8_1 and Q8_K only ever hold activations; ggml has no dot product with them as weights either. */
function noWeightDot(type: GgmlType): GgmlTypeTraits["vecDot"] {
  return () => {
    throw new UnsupportedError(`Tensor type ${ggmlTypeName(type)} is an activation format with no weight dot product`, ggmlTypeName(type));
  };
}

const CODECS: ReadonlyArray<readonly [GgmlType, Codecs]> = [
  [GgmlType.F32, { dequantizeRow: F.dequantizeRowF32, quantizeRow: F.quantizeRowF32, vecDotType: GgmlType.F32, vecDot: F.vecDotF32 }],
  [GgmlType.F16, { dequantizeRow: F.dequantizeRowF16, quantizeRow: F.quantizeRowF16, vecDotType: GgmlType.F16, vecDot: F.vecDotF16 }],
  [GgmlType.BF16, { dequantizeRow: F.dequantizeRowBF16, quantizeRow: F.quantizeRowBF16, vecDotType: GgmlType.BF16, vecDot: F.vecDotBF16 }],
  [GgmlType.Q4_0, { dequantizeRow: Q.dequantizeRowQ4_0, quantizeRow: Q.quantizeRowQ4_0, vecDotType: GgmlType.Q8_0, vecDot: vecDotQ4_0 }],
  [GgmlType.Q4_1, { dequantizeRow: Q.dequantizeRowQ4_1, quantizeRow: Q.quantizeRowQ4_1, vecDotType: GgmlType.Q8_1, vecDot: vecDotQ4_1 }],
  [GgmlType.Q5_0, { dequantizeRow: Q.dequantizeRowQ5_0, quantizeRow: Q.quantizeRowQ5_0, vecDotType: GgmlType.Q8_0, vecDot: vecDotQ5_0 }],
  [GgmlType.Q5_1, { dequantizeRow: Q.dequantizeRowQ5_1, quantizeRow: Q.quantizeRowQ5_1, vecDotType: GgmlType.Q8_1, vecDot: vecDotQ5_1 }],
  [GgmlType.Q8_0, { dequantizeRow: Q.dequantizeRowQ8_0, quantizeRow: Q.quantizeRowQ8_0, vecDotType: GgmlType.Q8_0, vecDot: vecDotQ8_0 }],
  [GgmlType.Q8_1, { dequantizeRow: Q.dequantizeRowQ8_1, quantizeRow: Q.quantizeRowQ8_1, vecDotType: GgmlType.Q8_1, vecDot: noWeightDot(GgmlType.Q8_1) }],
  [GgmlType.Q2_K, { dequantizeRow: K.dequantizeRowQ2_K, quantizeRow: KQ.quantizeRowQ2_K, vecDotType: GgmlType.Q8_K, vecDot: vecDotQ2_K }],
  [GgmlType.Q3_K, { dequantizeRow: K.dequantizeRowQ3_K, quantizeRow: KQ.quantizeRowQ3_K, vecDotType: GgmlType.Q8_K, vecDot: vecDotQ3_K }],
  [GgmlType.Q4_K, { dequantizeRow: K.dequantizeRowQ4_K, quantizeRow: KQ.quantizeRowQ4_K, vecDotType: GgmlType.Q8_K, vecDot: vecDotQ4_K }],
  [GgmlType.Q5_K, { dequantizeRow: K.dequantizeRowQ5_K, quantizeRow: KQ.quantizeRowQ5_K, vecDotType: GgmlType.Q8_K, vecDot: vecDotQ5_K }],
  [GgmlType.Q6_K, { dequantizeRow: K.dequantizeRowQ6_K, quantizeRow: KQ.quantizeRowQ6_K, vecDotType: GgmlType.Q8_K, vecDot: vecDotQ6_K }],
  [GgmlType.Q8_K, { dequantizeRow: dequantizeRowQ8_K, quantizeRow: quantizeRowQ8_K, vecDotType: GgmlType.Q8_K, vecDot: noWeightDot(GgmlType.Q8_K) }],
];

/** Bytes of `n` elements of a type with the given geometry, rejecting partial blocks. */
function bytesOf(name: string, blockSize: number, typeSize: number, n: number): number {
  if (!(n >= 0 && n % blockSize === 0)) {
    throw new RangeError(`Row length ${n} is not a multiple of the ${name} block size ${blockSize}`);
  }
  return (n / blockSize) * typeSize;
}

function checkFits(bytes: Uint8Array, off: number, need: number): void {
  if (off < 0 || off + need > bytes.length) {
    throw new RangeError(`Row of ${need} bytes at offset ${off} overruns a buffer of ${bytes.length} bytes`);
  }
}

/**
 * Full traits for one type: the raw codecs behind per-row checks (whole blocks, in bounds), so a
 * bad call fails loudly instead of reading `undefined` as NaN. One check per row is negligible.
 */
function makeTraits(type: GgmlType, c: Codecs): GgmlTypeTraits {
  const name = ggmlTypeName(type);
  const [blockSize, typeSize] = GGML_BLOCK_GEOMETRY[type];
  const [aBlock, aSize] = GGML_BLOCK_GEOMETRY[c.vecDotType];
  const aName = ggmlTypeName(c.vecDotType);
  const { dequantizeRow, quantizeRow, vecDot } = c;
  return Object.freeze({
    type,
    name,
    blockSize,
    typeSize,
    vecDotType: c.vecDotType,
    dequantizeRow(src: Uint8Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
      checkFits(src, srcOff, bytesOf(name, blockSize, typeSize, n));
      if (dstOff < 0 || dstOff + n > dst.length) throw new RangeError(`Destination too small for ${n} values at ${dstOff}`);
      dequantizeRow(src, srcOff, dst, dstOff, n);
    },
    quantizeRow: quantizeRow
      ? (src: Float32Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void => {
          checkFits(dst, dstOff, bytesOf(name, blockSize, typeSize, n));
          if (srcOff < 0 || srcOff + n > src.length) throw new RangeError(`Source too small for ${n} values at ${srcOff}`);
          quantizeRow(src, srcOff, dst, dstOff, n);
        }
      : undefined,
    vecDot(w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number): number {
      checkFits(w, wOff, bytesOf(name, blockSize, typeSize, n));
      checkFits(a, aOff, bytesOf(aName, aBlock, aSize, n));
      return vecDot(w, wOff, a, aOff, n);
    },
  });
}

/** Every supported type, built once from the codec modules (no registration side effects). */
const TABLE: ReadonlyMap<number, GgmlTypeTraits> = new Map(CODECS.map(([type, codecs]) => [type, makeTraits(type, codecs)] as const));

/** Types with full traits, in ggml id order. */
export const SUPPORTED_TYPES: readonly GgmlType[] = [...TABLE.keys()].sort((x, y) => x - y);

/** Traits of a supported type, or an UnsupportedError naming the type and (if given) the tensor. */
export function typeTraits(type: number, tensorName?: string): GgmlTypeTraits {
  const traits = TABLE.get(type);
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
