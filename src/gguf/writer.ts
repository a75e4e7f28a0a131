// GGUF v2/v3 writer: validates metadata and tensor descriptors, lays tensors out back to back with
// alignment padding (offset_i = Σ align(nbytes_j), as llama.cpp requires), and streams lazy tensor
// data to `${path}.tmp-<pid>` before renaming, so multi-GB files never sit in memory or half-written.
// Reference: llama.cpp ggml/src/gguf.cpp `gguf_write_to_buf`; gguf-py gguf_writer.py.

import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { GGUF_MAX_DIMS, GGUF_MAX_TENSOR_NAME } from "../limits.js";
import { ByteWriter, utf8Length } from "./byte-writer.js";
import { alignUp, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, HOST_LITTLE_ENDIAN, NUMERIC_TYPES, quoteKey, valueTypeName } from "./format.js";
import {
  GGML_BLOCK_GEOMETRY,
  GgufValueType,
  ggmlTypeName,
  type GgmlType,
  type GgufMetadata,
  type GgufMetadataEntry,
} from "./types.js";

export interface GgufWriteTensor {
  name: string;
  type: GgmlType;
  /** ggml `ne`, innermost dimension first. */
  dims: number[];
  /** The bytes, or a producer called once when the tensor is written (keeps big models streaming). */
  data: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
}

export interface GgufWriteOptions {
  metadata: GgufMetadata | Iterable<readonly [string, GgufMetadataEntry]>;
  tensors: GgufWriteTensor[];
  /** Defaults to `general.alignment` from the metadata, else 32. */
  alignment?: number;
  version?: 2 | 3;
}

interface Layout {
  header: Uint8Array; // everything before the data section, padding included
  alignment: number;
  nBytes: number[];
  dataSize: number; // Σ align(nBytes)
}

const INT_RANGES: Partial<Record<GgufValueType, readonly [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};

/** Encodes the whole file in memory; every tensor's data must already be a Uint8Array. */
export function encodeGguf(opts: GgufWriteOptions): Uint8Array {
  const layout = encodeHeader(opts);
  const out = new Uint8Array(layout.header.length + layout.dataSize);
  out.set(layout.header);
  let pos = layout.header.length;
  opts.tensors.forEach((t, i) => {
    if (typeof t.data === "function") {
      throw new TypeError(`encodeGguf needs in-memory data, but tensor "${t.name}" has a data producer`);
    }
    checkDataLength(t, t.data, layout.nBytes[i]!);
    out.set(t.data, pos);
    pos += alignUp(t.data.length, layout.alignment);
  });
  return out;
}

/** Streams the file to `${path}.tmp-<pid>` and renames it over `path` once complete. */
export async function writeGguf(path: string, opts: GgufWriteOptions): Promise<void> {
  const layout = encodeHeader(opts);
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, "w");
  let closed = false;
  try {
    await writeAll(fh, layout.header);
    const zeros = new Uint8Array(Math.min(layout.alignment, 1 << 16));
    for (let i = 0; i < opts.tensors.length; i++) {
      const t = opts.tensors[i]!;
      const data = typeof t.data === "function" ? await t.data() : t.data;
      checkDataLength(t, data, layout.nBytes[i]!);
      await writeAll(fh, data);
      for (let pad = alignUp(data.length, layout.alignment) - data.length; pad > 0; pad -= zeros.length) {
        await writeAll(fh, pad >= zeros.length ? zeros : zeros.subarray(0, pad));
      }
    }
    // Flush before the rename so a crash cannot leave the final name pointing at missing blocks.
    await fh.datasync();
    closed = true;
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    if (!closed) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    // fs rejects single writes over 2 GiB.
    const n = Math.min(bytes.length - done, 1 << 30);
    const { bytesWritten } = await fh.write(bytes, done, n);
    done += bytesWritten;
  }
}

function checkDataLength(t: GgufWriteTensor, data: Uint8Array, expected: number): void {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(`Tensor "${t.name}" data must be a Uint8Array`);
  }
  if (data.length !== expected) {
    throw new RangeError(
      `Tensor "${t.name}" has ${data.length} bytes of data but its ${ggmlTypeName(t.type)} shape [${t.dims.join(", ")}] needs ${expected}`,
    );
  }
}

function encodeHeader(opts: GgufWriteOptions): Layout {
  const version = opts.version ?? 3;
  if (version !== 2 && version !== 3) throw new RangeError(`GGUF version ${String(version)} cannot be written, use 2 or 3`);

  const entries = [...opts.metadata];
  const keys = new Set<string>();
  for (const [key] of entries) {
    if (typeof key !== "string" || key === "") throw new RangeError(`Metadata keys must be non-empty strings`);
    if (keys.has(key)) throw new RangeError(`Duplicate metadata key ${quoteKey(key)}`);
    keys.add(key);
  }
  const alignment = resolveAlignment(entries, opts.alignment);
  if (!keys.has("general.alignment") && alignment !== GGUF_DEFAULT_ALIGNMENT) {
    entries.push(["general.alignment", { type: GgufValueType.UINT32, value: alignment }]);
  }

  const w = new ByteWriter();
  w.bytes(Uint8Array.from(GGUF_MAGIC));
  w.u32(version);
  w.u64(opts.tensors.length);
  w.u64(entries.length);
  for (const [key, entry] of entries) {
    w.string(key);
    writeEntry(w, key, entry);
  }

  const nBytes: number[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const t of opts.tensors) {
    const size = tensorByteSize(t);
    if (names.has(t.name)) throw new RangeError(`Duplicate tensor name "${t.name}"`);
    names.add(t.name);
    w.string(t.name);
    w.u32(t.dims.length);
    for (const ne of t.dims) w.u64(ne);
    w.u32(t.type);
    w.u64(offset);
    nBytes.push(size);
    offset += alignUp(size, alignment);
  }
  if (opts.tensors.length > 0) w.zeros(alignUp(w.length, alignment) - w.length);
  return { header: w.result(), alignment, nBytes, dataSize: offset };
}

function resolveAlignment(entries: (readonly [string, GgufMetadataEntry])[], requested: number | undefined): number {
  const found = entries.find(([k]) => k === "general.alignment");
  let alignment = requested ?? GGUF_DEFAULT_ALIGNMENT;
  if (found !== undefined) {
    const e = found[1];
    if (e.type !== GgufValueType.UINT32 || typeof e.value !== "number") {
      throw new RangeError(`Metadata key "general.alignment" must be UINT32 but is ${valueTypeName(e.type)}`);
    }
    if (requested !== undefined && requested !== e.value) {
      throw new RangeError(`Alignment option ${requested} disagrees with general.alignment ${e.value}`);
    }
    alignment = e.value;
  }
  if (!Number.isSafeInteger(alignment) || alignment <= 0 || alignment > 0xffffffff || (alignment & (alignment - 1)) !== 0) {
    throw new RangeError(`Alignment ${alignment} is not a power of two`);
  }
  return alignment;
}

function tensorByteSize(t: GgufWriteTensor): number {
  const bytesOfName = utf8Length(t.name);
  if (bytesOfName > GGUF_MAX_TENSOR_NAME) {
    throw new RangeError(`Tensor name "${t.name}" is ${bytesOfName} bytes long, at most ${GGUF_MAX_TENSOR_NAME} are allowed`);
  }
  if (t.dims.length > GGUF_MAX_DIMS) {
    throw new RangeError(`Tensor "${t.name}" has ${t.dims.length} dimensions, at most ${GGUF_MAX_DIMS} are allowed`);
  }
  const geometry = GGML_BLOCK_GEOMETRY[t.type];
  if (geometry === undefined) throw new RangeError(`Tensor "${t.name}" has unknown ggml type id ${t.type}`);
  const [blockSize, typeSize] = geometry;
  let elements = 1n;
  for (const ne of t.dims) {
    if (!Number.isSafeInteger(ne) || ne < 0) throw new RangeError(`Tensor "${t.name}" has invalid dimension ${ne}`);
    elements *= BigInt(ne);
  }
  const ne0 = t.dims[0] ?? 1;
  if (ne0 % blockSize !== 0) {
    throw new RangeError(
      `Tensor "${t.name}" has ${ne0} elements per row, not a multiple of the ${ggmlTypeName(t.type)} block size ${blockSize}`,
    );
  }
  const bytes = (elements / BigInt(blockSize)) * BigInt(typeSize);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`Tensor "${t.name}" is too large`);
  return Number(bytes);
}

function writeEntry(w: ByteWriter, key: string, e: GgufMetadataEntry): void {
  const bad = (what: string) => new TypeError(`Metadata key ${quoteKey(key)}: ${what}`);
  w.u32(e.type);
  if (e.type !== GgufValueType.ARRAY) {
    writeScalar(w, e.type, e.value, bad);
    return;
  }
  const at = e.arrayType;
  if (at === undefined) throw bad(`array entry has no arrayType`);
  if (at === GgufValueType.ARRAY) throw bad(`nested arrays are not allowed`);
  if (GgufValueType[at] === undefined) throw bad(`unknown array element type ${at}`);
  const v = e.value;
  if (typeof v !== "object" || v === null || typeof (v as ArrayLike<unknown>).length !== "number") {
    throw bad(`array value is not an array`);
  }
  const items = v as ArrayLike<unknown>;
  w.u32(at);
  w.u64(items.length);
  const num = NUMERIC_TYPES[at];
  // Fast path: the matching typed array's bytes are already the little-endian encoding.
  if (num !== undefined && HOST_LITTLE_ENDIAN && ArrayBuffer.isView(v) && num.make(0).constructor === v.constructor) {
    w.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    return;
  }
  for (let i = 0; i < items.length; i++) writeScalar(w, at, items[i], (what) => bad(`element ${i}: ${what}`));
}

function writeScalar(w: ByteWriter, type: GgufValueType, v: unknown, bad: (what: string) => Error): void {
  const range = INT_RANGES[type];
  if (range !== undefined) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < range[0] || v > range[1]) {
      throw bad(`value ${String(v)} is not a ${valueTypeName(type)}`);
    }
  }
  switch (type) {
    case GgufValueType.UINT8:
      return w.u8(v as number);
    case GgufValueType.INT8:
      return w.i8(v as number);
    case GgufValueType.UINT16:
      return w.u16(v as number);
    case GgufValueType.INT16:
      return w.i16(v as number);
    case GgufValueType.UINT32:
      return w.u32(v as number);
    case GgufValueType.INT32:
      return w.i32(v as number);
    case GgufValueType.FLOAT32:
    case GgufValueType.FLOAT64:
      if (typeof v !== "number") throw bad(`value ${String(v)} is not a number`);
      return type === GgufValueType.FLOAT32 ? w.f32(v) : w.f64(v);
    case GgufValueType.UINT64:
    case GgufValueType.INT64: {
      const big = typeof v === "bigint" ? v : typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : undefined;
      const ok = big !== undefined && (type === GgufValueType.UINT64 ? BigInt.asUintN(64, big) === big : BigInt.asIntN(64, big) === big);
      if (!ok) throw bad(`value ${String(v)} is not a ${valueTypeName(type)}`);
      return type === GgufValueType.UINT64 ? w.u64(big) : w.i64(big);
    }
    case GgufValueType.BOOL:
      if (typeof v !== "boolean") throw bad(`value ${String(v)} is not a boolean`);
      return w.u8(v ? 1 : 0);
    case GgufValueType.STRING:
      if (typeof v !== "string") throw bad(`value ${String(v)} is not a string`);
      w.string(v);
      return;
    default:
      throw bad(`unknown value type ${type}`);
  }
}
