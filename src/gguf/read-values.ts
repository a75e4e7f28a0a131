// Readers for GGUF metadata values (strings, scalars, arrays) over the buffered cursor. Each length
// is checked against its cap and the bytes left in the file before anything is allocated, so a
// corrupt count fails as a GgufParseError naming the field instead of exhausting memory.
// Reference: llama.cpp ggml/src/gguf.cpp `gguf_reader::read`.

import { GgufParseError } from "../errors.js";
import { GGUF_MAX_ARRAY_LENGTH, GGUF_MAX_STRING_BYTES } from "../limits.js";
import { readLE, type Cursor } from "./cursor.js";
import { HOST_LITTLE_ENDIAN, NUMERIC_TYPES, quoteKey, valueTypeName } from "./format.js";
import { GgufValueType, type GgufArray, type GgufMetadataEntry } from "./types.js";

/** A gguf_string: u64 byte length, then that many UTF-8 bytes. */
export async function readString(c: Cursor, field: string, maxBytes = GGUF_MAX_STRING_BYTES, what = "String length"): Promise<string> {
  if (c.available < 8) await c.fill(8, field);
  const pos = c.pos;
  const n = c.u64();
  if (n > maxBytes || n > c.remaining) checkLength(c, n, maxBytes, field, pos, what);
  if (c.available < n) await c.fill(n, field);
  return c.string(n);
}

function checkLength(c: Cursor, n: number, maxBytes: number, field: string, pos: number, what: string): void {
  if (n > maxBytes) {
    throw new GgufParseError(`${what} ${c.lastU64Text()} exceeds the limit of ${maxBytes} bytes`, field, pos);
  }
  throw new GgufParseError(`${what} ${n} runs past the end of the file (${c.remaining} bytes left)`, field, pos);
}

/** The value of metadata pair `key`, from its type field on. `f` is the pair's field name. */
export async function readValue(c: Cursor, key: string, f: string): Promise<GgufMetadataEntry> {
  await c.fill(4, `${f}.type`);
  const typePos = c.pos;
  const type = c.u32();
  if (type === GgufValueType.STRING) return { type, value: await readString(c, `${f}.value`) };
  if (type === GgufValueType.BOOL) {
    await c.fill(1, `${f}.value`);
    return { type, value: c.u8() !== 0 }; // llama.cpp: any non-zero byte is true
  }
  if (type === GgufValueType.ARRAY) {
    await c.fill(4, `${f}.array_type`);
    const elemPos = c.pos;
    const arrayType = c.u32();
    if (arrayType === GgufValueType.ARRAY) {
      throw new GgufParseError(`Metadata key ${quoteKey(key)} is a nested array, which llama.cpp rejects`, `${f}.array_type`, elemPos);
    }
    if (arrayType !== GgufValueType.STRING && arrayType !== GgufValueType.BOOL && NUMERIC_TYPES[arrayType as GgufValueType] === undefined) {
      throw new GgufParseError(`Unknown array element type ${arrayType} for metadata key ${quoteKey(key)}`, `${f}.array_type`, elemPos);
    }
    return { type, arrayType, value: await readArray(c, arrayType, f) };
  }
  const num = NUMERIC_TYPES[type as GgufValueType];
  if (num === undefined) {
    throw new GgufParseError(`Unknown value type ${type} for metadata key ${quoteKey(key)}`, `${f}.type`, typePos);
  }
  await c.fill(num.size, `${f}.value`);
  return { type, value: c.scalar(num.kind) };
}

/** Array body after its element type: u64 count, then the elements. */
async function readArray(c: Cursor, elemType: GgufValueType, f: string): Promise<GgufArray> {
  await c.fill(8, `${f}.length`);
  const lenPos = c.pos;
  const n = c.u64();
  if (n > GGUF_MAX_ARRAY_LENGTH) {
    throw new GgufParseError(`Array length ${c.lastU64Text()} exceeds the limit of ${GGUF_MAX_ARRAY_LENGTH}`, `${f}.length`, lenPos);
  }
  // Strings carry an 8-byte length each; everything else has a fixed size.
  const elemSize = elemType === GgufValueType.STRING ? 8 : elemType === GgufValueType.BOOL ? 1 : NUMERIC_TYPES[elemType]!.size;
  if (n * elemSize > c.remaining) {
    throw new GgufParseError(
      `Array of ${n} ${valueTypeName(elemType)} values needs at least ${n * elemSize} bytes but only ${c.remaining} remain`,
      `${f}.length`,
      lenPos,
    );
  }
  return elemType === GgufValueType.STRING ? readStrings(c, n, f) : readFixed(c, elemType, n, elemSize, f, lenPos);
}

/**
 * The hot loop of a tokenizer header (~400k strings for Llama 3): synchronous while the chunk has
 * the bytes, awaiting only at chunk boundaries, with field names built only on the error path.
 */
async function readStrings(c: Cursor, n: number, f: string): Promise<string[]> {
  // Grown by push: memory follows the strings actually read, not the declared count.
  const out: string[] = [];
  for (let j = 0; j < n; j++) {
    if (c.available < 8) await c.fill(8, `${f}[${j}]`);
    const pos = c.pos;
    const len = c.u64();
    if (len > GGUF_MAX_STRING_BYTES || len > c.remaining) checkLength(c, len, GGUF_MAX_STRING_BYTES, `${f}[${j}]`, pos, "String length");
    if (c.available < len) await c.fill(len, `${f}[${j}]`);
    out.push(c.string(len));
  }
  return out;
}

async function readFixed(c: Cursor, elemType: GgufValueType, n: number, elemSize: number, f: string, lenPos: number): Promise<GgufArray> {
  let raw: Uint8Array;
  let out: Exclude<GgufArray, string[]>;
  try {
    await c.fill(n * elemSize, `${f}.value`);
    raw = c.bytes(n * elemSize);
    out = elemType === GgufValueType.BOOL ? new Array<boolean>(n) : NUMERIC_TYPES[elemType]!.make(n);
  } catch (err) {
    // Lengths are already bounded by the file size, but a multi-GB file can still declare more
    // than this process can allocate; report that as the corrupt field it almost surely is.
    if (err instanceof RangeError) {
      throw new GgufParseError(`Array of ${n} ${valueTypeName(elemType)} values could not be allocated`, `${f}.length`, lenPos);
    }
    throw err;
  }
  if (Array.isArray(out)) {
    for (let j = 0; j < n; j++) out[j] = raw[j] !== 0;
  } else if (HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(raw);
  } else {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const kind = NUMERIC_TYPES[elemType]!.kind;
    for (let j = 0; j < n; j++) out[j] = readLE(view, kind, j * elemSize) as never;
  }
  return out;
}
