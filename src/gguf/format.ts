// GGUF format constants and small helpers shared by the reader and the writer: magic, default
// alignment, the fixed-width value types and how they decode, and key quoting for messages.
// Reference: ggml include/gguf.h, docs/gguf.md.

import type { ScalarKind } from "./cursor.js";
import { GgufValueType, type GgufArray } from "./types.js";

export const GGUF_MAGIC = [0x47, 0x47, 0x55, 0x46] as const; // "GGUF"
export const GGUF_DEFAULT_ALIGNMENT = 32;

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Fixed-width value types: byte size, little-endian accessor and the typed array arrays decode to. */
export interface NumericType {
  size: number;
  kind: ScalarKind;
  make(n: number): Exclude<GgufArray, boolean[] | string[]>;
}

export const NUMERIC_TYPES: Readonly<Partial<Record<GgufValueType, NumericType>>> = {
  [GgufValueType.UINT8]: { size: 1, kind: "u8", make: (n) => new Uint8Array(n) },
  [GgufValueType.INT8]: { size: 1, kind: "i8", make: (n) => new Int8Array(n) },
  [GgufValueType.UINT16]: { size: 2, kind: "u16", make: (n) => new Uint16Array(n) },
  [GgufValueType.INT16]: { size: 2, kind: "i16", make: (n) => new Int16Array(n) },
  [GgufValueType.UINT32]: { size: 4, kind: "u32", make: (n) => new Uint32Array(n) },
  [GgufValueType.INT32]: { size: 4, kind: "i32", make: (n) => new Int32Array(n) },
  [GgufValueType.FLOAT32]: { size: 4, kind: "f32", make: (n) => new Float32Array(n) },
  [GgufValueType.UINT64]: { size: 8, kind: "u64", make: (n) => new BigUint64Array(n) },
  [GgufValueType.INT64]: { size: 8, kind: "i64", make: (n) => new BigInt64Array(n) },
  [GgufValueType.FLOAT64]: { size: 8, kind: "f64", make: (n) => new Float64Array(n) },
};

export function valueTypeName(type: number): string {
  return GgufValueType[type] ?? `type ${type}`;
}

/** A key as it appears in field names and messages; corrupt keys can be huge, so cut them. */
export function quoteKey(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
}

export function alignUp(x: number, alignment: number): number {
  const r = x % alignment;
  return r === 0 ? x : x + alignment - r;
}
