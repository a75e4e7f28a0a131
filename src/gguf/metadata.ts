// GGUF metadata: `md.*` builders for writing, typed accessors for reading (lenient about integer
// width because converters write counts as UINT32 or UINT64), and a JSON view for `inspect --json`.
// Reference: ggml docs/gguf.md "Standardized key-value pairs"; llama.cpp src/llama-model-loader.cpp.

import { ModelFormatError } from "../errors.js";
import { GgufValueType, type GgufArray, type GgufMetadata, type GgufMetadataEntry } from "./types.js";

const T = GgufValueType;

function arr(arrayType: GgufValueType, value: GgufArray): GgufMetadataEntry {
  return { type: T.ARRAY, arrayType, value };
}

/** Builders for metadata entries; typed arrays passed in are kept, not copied. */
export const md = {
  string: (v: string): GgufMetadataEntry => ({ type: T.STRING, value: v }),
  uint8: (v: number): GgufMetadataEntry => ({ type: T.UINT8, value: v }),
  int8: (v: number): GgufMetadataEntry => ({ type: T.INT8, value: v }),
  uint16: (v: number): GgufMetadataEntry => ({ type: T.UINT16, value: v }),
  int16: (v: number): GgufMetadataEntry => ({ type: T.INT16, value: v }),
  uint32: (v: number): GgufMetadataEntry => ({ type: T.UINT32, value: v }),
  int32: (v: number): GgufMetadataEntry => ({ type: T.INT32, value: v }),
  // Rounded now so an entry compares equal to what a parse of the written file gives back.
  float32: (v: number): GgufMetadataEntry => ({ type: T.FLOAT32, value: Math.fround(v) }),
  float64: (v: number): GgufMetadataEntry => ({ type: T.FLOAT64, value: v }),
  uint64: (v: bigint | number): GgufMetadataEntry => ({ type: T.UINT64, value: BigInt(v) }),
  int64: (v: bigint | number): GgufMetadataEntry => ({ type: T.INT64, value: BigInt(v) }),
  bool: (v: boolean): GgufMetadataEntry => ({ type: T.BOOL, value: v }),
  stringArray: (v: string[]): GgufMetadataEntry => arr(T.STRING, v),
  boolArray: (v: boolean[]): GgufMetadataEntry => arr(T.BOOL, v),
  uint8Array: (v: Uint8Array | number[]): GgufMetadataEntry => arr(T.UINT8, v instanceof Uint8Array ? v : Uint8Array.from(v)),
  int8Array: (v: Int8Array | number[]): GgufMetadataEntry => arr(T.INT8, v instanceof Int8Array ? v : Int8Array.from(v)),
  uint16Array: (v: Uint16Array | number[]): GgufMetadataEntry => arr(T.UINT16, v instanceof Uint16Array ? v : Uint16Array.from(v)),
  int16Array: (v: Int16Array | number[]): GgufMetadataEntry => arr(T.INT16, v instanceof Int16Array ? v : Int16Array.from(v)),
  uint32Array: (v: Uint32Array | number[]): GgufMetadataEntry => arr(T.UINT32, v instanceof Uint32Array ? v : Uint32Array.from(v)),
  int32Array: (v: Int32Array | number[]): GgufMetadataEntry => arr(T.INT32, v instanceof Int32Array ? v : Int32Array.from(v)),
  float32Array: (v: Float32Array | number[]): GgufMetadataEntry =>
    arr(T.FLOAT32, v instanceof Float32Array ? v : Float32Array.from(v)),
  float64Array: (v: Float64Array | number[]): GgufMetadataEntry =>
    arr(T.FLOAT64, v instanceof Float64Array ? v : Float64Array.from(v)),
  uint64Array: (v: BigUint64Array | (bigint | number)[]): GgufMetadataEntry =>
    arr(T.UINT64, v instanceof BigUint64Array ? v : BigUint64Array.from(v, (x) => BigInt(x))),
  int64Array: (v: BigInt64Array | (bigint | number)[]): GgufMetadataEntry =>
    arr(T.INT64, v instanceof BigInt64Array ? v : BigInt64Array.from(v, (x) => BigInt(x))),
};

function typeLabel(e: GgufMetadataEntry): string {
  const t = GgufValueType[e.type] ?? `type ${e.type}`;
  return e.type === T.ARRAY ? `ARRAY of ${GgufValueType[e.arrayType ?? -1] ?? "unknown"}` : t;
}

function wrongType(key: string, e: GgufMetadataEntry, expected: string): ModelFormatError {
  return new ModelFormatError(`Metadata key "${key}" has type ${typeLabel(e)}, expected ${expected}`);
}

function isNumericScalar(t: GgufValueType): boolean {
  return t !== T.STRING && t !== T.BOOL && t !== T.ARRAY && GgufValueType[t] !== undefined;
}

function toSafeNumber(key: string, v: number | bigint): number {
  if (typeof v === "number") return v;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ModelFormatError(`Metadata key "${key}" value ${v} does not fit a JavaScript number exactly`);
  }
  return Number(v);
}

export function metaString(m: GgufMetadata, key: string): string | undefined {
  const e = m.get(key);
  if (e === undefined) return undefined;
  if (e.type !== T.STRING) throw wrongType(key, e, "STRING");
  return e.value as string;
}

/** Any integer or float width; 64-bit integers convert when they are exactly representable. */
export function metaNumber(m: GgufMetadata, key: string): number | undefined {
  const e = m.get(key);
  if (e === undefined) return undefined;
  if (!isNumericScalar(e.type)) throw wrongType(key, e, "a number");
  return toSafeNumber(key, e.value as number | bigint);
}

export function metaBool(m: GgufMetadata, key: string): boolean | undefined {
  const e = m.get(key);
  if (e === undefined) return undefined;
  if (e.type !== T.BOOL) throw wrongType(key, e, "BOOL");
  return e.value as boolean;
}

/** The decoded array as stored (typed array, boolean[] or string[]); `A` is the caller's claim. */
export function metaArray<A extends GgufArray = GgufArray>(m: GgufMetadata, key: string): A | undefined {
  const e = m.get(key);
  if (e === undefined) return undefined;
  if (e.type !== T.ARRAY) throw wrongType(key, e, "an array");
  return e.value as A;
}

export function metaStringArray(m: GgufMetadata, key: string): string[] | undefined {
  const e = m.get(key);
  if (e === undefined) return undefined;
  if (e.type !== T.ARRAY || e.arrayType !== T.STRING) throw wrongType(key, e, "ARRAY of STRING");
  return e.value as string[];
}

/** FLOAT32 arrays as stored; other numeric arrays converted (scores are FLOAT32 in practice). */
export function metaFloat32Array(m: GgufMetadata, key: string): Float32Array | undefined {
  const e = m.get(key);
  if (e === undefined) return undefined;
  if (e.type !== T.ARRAY || e.arrayType === undefined || !isNumericScalar(e.arrayType)) {
    throw wrongType(key, e, "ARRAY of FLOAT32");
  }
  if (e.value instanceof Float32Array) return e.value;
  const src = e.value as ArrayLike<number | bigint>;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  return out;
}

/** INT32 arrays as stored; other integer arrays converted when every value fits an int32. */
export function metaInt32Array(m: GgufMetadata, key: string): Int32Array | undefined {
  const e = m.get(key);
  if (e === undefined) return undefined;
  const integer = e.arrayType !== undefined && isNumericScalar(e.arrayType) && e.arrayType !== T.FLOAT32 && e.arrayType !== T.FLOAT64;
  if (e.type !== T.ARRAY || !integer) throw wrongType(key, e, "ARRAY of INT32");
  if (e.value instanceof Int32Array) return e.value;
  const src = e.value as ArrayLike<number | bigint>;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = Number(src[i]);
    if (v !== (v | 0)) throw new ModelFormatError(`Metadata key "${key}" element ${i} value ${src[i]} does not fit an int32`);
    out[i] = v;
  }
  return out;
}

export function requireMetaString(m: GgufMetadata, key: string): string {
  const v = metaString(m, key);
  if (v === undefined) throw new ModelFormatError(`Missing metadata key "${key}"`);
  return v;
}

export function requireMetaNumber(m: GgufMetadata, key: string): number {
  const v = metaNumber(m, key);
  if (v === undefined) throw new ModelFormatError(`Missing metadata key "${key}"`);
  return v;
}

export interface MetadataJsonOptions {
  /** Arrays longer than this are summarized as {type, length, head}; default 16, Infinity for all. */
  maxArray?: number;
}

function jsonScalar(v: unknown): unknown {
  if (typeof v === "bigint") {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  // JSON has no NaN or infinities; keep them visible instead of letting stringify emit null.
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return v;
}

/** Plain-JSON view of the metadata, in file order. */
export function metadataToJSON(m: GgufMetadata, opts: MetadataJsonOptions = {}): Record<string, unknown> {
  const maxArray = opts.maxArray ?? 16;
  const out: Record<string, unknown> = {};
  for (const [key, e] of m) {
    if (e.type !== T.ARRAY) {
      out[key] = jsonScalar(e.value);
      continue;
    }
    const src = e.value as ArrayLike<unknown>;
    const take = Math.min(src.length, maxArray);
    const head = new Array<unknown>(take);
    for (let i = 0; i < take; i++) head[i] = jsonScalar(src[i]);
    out[key] =
      src.length <= maxArray ? head : { type: GgufValueType[e.arrayType ?? -1] ?? "unknown", length: src.length, head };
  }
  return out;
}
