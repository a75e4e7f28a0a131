// GGUF and ggml enumerations, spelled as in ggml.h / gguf.h so they can be grepped across projects.
// Reference: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md

/** ggml tensor type ids (ggml.h `enum ggml_type`). Removed ids (4, 5, 31–33, 36–38) are absent on purpose. */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
}

/** Name of a ggml type id, or `type <id>` for ids this build does not know. */
export function ggmlTypeName(type: number): string {
  return GgmlType[type] ?? `type ${type}`;
}

/** GGUF metadata value types (gguf.h `enum gguf_type`). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/**
 * A decoded metadata value. Numeric arrays decode to typed arrays (a 128256-entry score table
 * stays one Float32Array), string arrays to string[]; 64-bit integers to bigint.
 */
export type GgufArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array
  | boolean[]
  | string[];
export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufArray;

/** One metadata pair as stored: the value plus its declared type (and element type for arrays). */
export interface GgufMetadataEntry {
  type: GgufValueType;
  /** Element type when `type` is ARRAY. */
  arrayType?: GgufValueType;
  value: GgufValue;
}

export type GgufMetadata = Map<string, GgufMetadataEntry>;

/** A tensor descriptor from the tensor-info section. */
export interface GgufTensorInfo {
  name: string;
  /** ggml `ne`, innermost (contiguous) dimension first; no trailing 1s added. */
  dims: number[];
  type: GgmlType;
  /** Offset relative to the start of the data section. */
  offset: number;
  /** Absolute byte offset in the file (dataOffset + offset). */
  fileOffset: number;
  nElements: number;
  nBytes: number;
  /** Which file of a split model holds the data (0-based; absent or 0 for a single file). */
  shard?: number;
}

/** A parsed GGUF header: everything but the tensor bytes. */
export interface GgufHeader {
  version: number;
  metadata: GgufMetadata;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute offset of the tensor-data section. */
  dataOffset: number;
  fileSize: number;
}

/**
 * Block geometry [elements per block, bytes per block] of every type a GGUF file may hold
 * (ggml.c `type_traits`), so a header can be parsed and sized even when its tensors use a type
 * the engine cannot compute with.
 */
export const GGML_BLOCK_GEOMETRY: Readonly<Record<number, readonly [number, number]>> = {
  [GgmlType.F32]: [1, 4],
  [GgmlType.F16]: [1, 2],
  [GgmlType.Q4_0]: [32, 18],
  [GgmlType.Q4_1]: [32, 20],
  [GgmlType.Q5_0]: [32, 22],
  [GgmlType.Q5_1]: [32, 24],
  [GgmlType.Q8_0]: [32, 34],
  [GgmlType.Q8_1]: [32, 36],
  [GgmlType.Q2_K]: [256, 84],
  [GgmlType.Q3_K]: [256, 110],
  [GgmlType.Q4_K]: [256, 144],
  [GgmlType.Q5_K]: [256, 176],
  [GgmlType.Q6_K]: [256, 210],
  [GgmlType.Q8_K]: [256, 292],
  [GgmlType.IQ2_XXS]: [256, 66],
  [GgmlType.IQ2_XS]: [256, 74],
  [GgmlType.IQ3_XXS]: [256, 98],
  [GgmlType.IQ1_S]: [256, 50],
  [GgmlType.IQ4_NL]: [32, 18],
  [GgmlType.IQ3_S]: [256, 110],
  [GgmlType.IQ2_S]: [256, 82],
  [GgmlType.IQ4_XS]: [256, 136],
  [GgmlType.I8]: [1, 1],
  [GgmlType.I16]: [1, 2],
  [GgmlType.I32]: [1, 4],
  [GgmlType.I64]: [1, 8],
  [GgmlType.F64]: [1, 8],
  [GgmlType.IQ1_M]: [256, 56],
  [GgmlType.BF16]: [1, 2],
  [GgmlType.TQ1_0]: [256, 54],
  [GgmlType.TQ2_0]: [256, 66],
  [GgmlType.MXFP4]: [32, 17],
};
