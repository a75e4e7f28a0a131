// Hardened GGUF v2/v3 header reader: magic, counts, metadata, tensor infos and the data-section
// layout, with every length checked against the file size and src/limits.ts before allocating.
// Reference: llama.cpp ggml/src/gguf.cpp `gguf_init_from_reader` (same accept/reject rules, except
// that tensor offsets need only be aligned and non-overlapping, not packed in info order).

import { GgufParseError } from "../errors.js";
import { GGUF_MAX_DIMS, GGUF_MAX_KV, GGUF_MAX_TENSOR_NAME, GGUF_MAX_TENSORS } from "../limits.js";
import type { ByteSource } from "./byte-source.js";
import { Cursor } from "./cursor.js";
import { alignUp, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, quoteKey, valueTypeName } from "./format.js";
import { readString, readValue } from "./read-values.js";
import {
  GGML_BLOCK_GEOMETRY,
  GgufValueType,
  ggmlTypeName,
  type GgmlType,
  type GgufHeader,
  type GgufMetadata,
  type GgufTensorInfo,
} from "./types.js";

export { GGUF_DEFAULT_ALIGNMENT } from "./format.js";

/** Smallest possible encodings, used to reject counts the remaining bytes cannot hold. */
const MIN_KV_BYTES = 8 + 1 + 4 + 1; // key length, 1-byte key, type, 1-byte value
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8; // name length, n_dims, type, offset

export interface ParseOptions {
  /** Read size of the buffered cursor (tests shrink it to exercise chunk boundaries). */
  chunkSize?: number;
}

export async function parseGgufHeader(src: ByteSource, options: ParseOptions = {}): Promise<GgufHeader> {
  const c = new Cursor(src, options.chunkSize);
  const { version, nTensors, nKv } = await readPreamble(c);
  const { metadata, alignment } = await readMetadata(c, nKv);

  const tensors: GgufTensorInfo[] = [];
  const offsetPos: number[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const { info, offsetFieldPos } = await readTensorInfo(c, i, alignment, names);
    tensors.push(info);
    offsetPos.push(offsetFieldPos);
  }

  // llama.cpp only pads to the data section when there are tensors to place there.
  const headerEnd = c.pos;
  const dataOffset = nTensors > 0 ? alignUp(headerEnd, alignment) : headerEnd;
  if (dataOffset > c.size) {
    throw new GgufParseError(
      `Data section would start at byte ${dataOffset}, past the end of the file (${c.size} bytes)`,
      "tensor_data",
      headerEnd,
    );
  }
  placeTensors(tensors, offsetPos, dataOffset, c.size);
  return { version, metadata, tensors, alignment, dataOffset, fileSize: c.size };
}

async function readPreamble(c: Cursor): Promise<{ version: number; nTensors: number; nKv: number }> {
  await c.fill(4, "magic");
  const magic = c.bytes(4);
  if (!GGUF_MAGIC.every((b, i) => magic[i] === b)) {
    const shown = Array.from(magic, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "?")).join("");
    throw new GgufParseError(`Bad magic "${shown}", expected "GGUF": not a GGUF file`, "magic", 0);
  }

  await c.fill(4, "version");
  const version = c.u32();
  checkVersion(version);

  await c.fill(8, "tensor_count");
  const tensorCountPos = c.pos;
  const nTensors = c.u64();
  if (nTensors > GGUF_MAX_TENSORS) {
    throw new GgufParseError(`Tensor count ${c.lastU64Text()} exceeds the limit of ${GGUF_MAX_TENSORS}`, "tensor_count", tensorCountPos);
  }
  await c.fill(8, "kv_count");
  const kvCountPos = c.pos;
  const nKv = c.u64();
  if (nKv > GGUF_MAX_KV) {
    throw new GgufParseError(`Metadata count ${c.lastU64Text()} exceeds the limit of ${GGUF_MAX_KV}`, "kv_count", kvCountPos);
  }
  const minBytes = nTensors * MIN_TENSOR_INFO_BYTES + nKv * MIN_KV_BYTES;
  if (minBytes > c.remaining) {
    const tensorsAlone = nTensors * MIN_TENSOR_INFO_BYTES > c.remaining;
    throw new GgufParseError(
      `${nKv} metadata pairs and ${nTensors} tensor infos need at least ${minBytes} bytes but only ${c.remaining} remain`,
      tensorsAlone ? "tensor_count" : "kv_count",
      tensorsAlone ? tensorCountPos : kvCountPos,
    );
  }
  return { version, nTensors, nKv };
}

function checkVersion(version: number): void {
  if (version === 0) throw new GgufParseError(`Bad GGUF version 0`, "version", 4);
  // A v2/v3 file written big-endian reads as 0x02000000/0x03000000 here.
  if ((version & 0xffff) === 0) {
    const hex = `0x${version.toString(16).padStart(8, "0")}`;
    throw new GgufParseError(`GGUF version ${hex} looks byte-swapped: the file is probably big-endian, which is not supported`, "version", 4);
  }
  if (version === 1) throw new GgufParseError(`GGUF version 1 is no longer supported, convert the file again`, "version", 4);
  if (version > 3) throw new GgufParseError(`GGUF version ${version} is newer than the supported versions 2 and 3`, "version", 4);
}

async function readMetadata(c: Cursor, nKv: number): Promise<{ metadata: GgufMetadata; alignment: number }> {
  const metadata: GgufMetadata = new Map();
  let alignmentPos = -1;
  for (let i = 0; i < nKv; i++) {
    const keyPos = c.pos;
    const key = await readString(c, `kv[${i}].key`);
    if (key === "") throw new GgufParseError(`Metadata key ${i} is empty`, `kv[${i}].key`, keyPos);
    const f = `kv[${quoteKey(key)}]`;
    if (metadata.has(key)) throw new GgufParseError(`Duplicate metadata key ${quoteKey(key)}`, f, keyPos);
    if (key === "general.alignment") alignmentPos = keyPos;
    metadata.set(key, await readValue(c, key, f));
  }

  const entry = metadata.get("general.alignment");
  if (entry === undefined) return { metadata, alignment: GGUF_DEFAULT_ALIGNMENT };
  const f = `kv["general.alignment"]`;
  if (entry.type !== GgufValueType.UINT32) {
    throw new GgufParseError(`Metadata key "general.alignment" must be UINT32 but is ${valueTypeName(entry.type)}`, f, alignmentPos);
  }
  const alignment = entry.value as number;
  if (alignment === 0 || (alignment & (alignment - 1)) !== 0) {
    throw new GgufParseError(`Alignment ${alignment} is not a power of two`, f, alignmentPos);
  }
  return { metadata, alignment };
}

async function readTensorInfo(
  c: Cursor,
  i: number,
  alignment: number,
  names: Set<string>,
): Promise<{ info: GgufTensorInfo; offsetFieldPos: number }> {
  const f = `tensor_infos[${i}]`;
  const namePos = c.pos;
  const name = await readString(c, `${f}.name`, GGUF_MAX_TENSOR_NAME, "Tensor name length");
  if (names.has(name)) throw new GgufParseError(`Duplicate tensor name "${name}"`, `${f}.name`, namePos);
  names.add(name);

  await c.fill(4, `${f}.n_dims`);
  const nDimsPos = c.pos;
  const nDims = c.u32();
  if (nDims > GGUF_MAX_DIMS) {
    throw new GgufParseError(`Tensor "${name}" has ${nDims} dimensions, at most ${GGUF_MAX_DIMS} are allowed`, `${f}.n_dims`, nDimsPos);
  }
  const dims: number[] = [];
  for (let d = 0; d < nDims; d++) {
    await c.fill(8, `${f}.dims[${d}]`);
    const dimPos = c.pos;
    const ne = c.u64();
    // llama.cpp reads ne as int64 and allows 0; nothing past 2^53 can describe real data.
    if (ne > Number.MAX_SAFE_INTEGER) {
      throw new GgufParseError(`Tensor "${name}" dimension ${d} is ${c.lastU64Text()}, which is out of range`, `${f}.dims[${d}]`, dimPos);
    }
    dims.push(ne);
  }

  await c.fill(4, `${f}.type`);
  const typePos = c.pos;
  const type = c.u32();
  const geometry = GGML_BLOCK_GEOMETRY[type];
  if (geometry === undefined) {
    throw new GgufParseError(`Tensor "${name}" has unknown ggml type id ${type}`, `${f}.type`, typePos);
  }
  const [blockSize, typeSize] = geometry;
  const ne0 = dims[0] ?? 1;
  if (ne0 % blockSize !== 0) {
    throw new GgufParseError(
      `Tensor "${name}" has ${ne0} elements per row, not a multiple of the ${ggmlTypeName(type)} block size ${blockSize}`,
      `${f}.dims[0]`,
      nDimsPos + 4,
    );
  }
  // BigInt: four dims of up to 2^53 each overflow any number arithmetic.
  let elements = 1n;
  for (const ne of dims) elements *= BigInt(ne);
  const bytes = (elements / BigInt(blockSize)) * BigInt(typeSize);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new GgufParseError(`Tensor "${name}" with shape [${dims.join(", ")}] is too large`, `${f}.dims`, nDimsPos + 4);
  }

  await c.fill(8, `${f}.offset`);
  const offsetFieldPos = c.pos;
  const offset = c.u64();
  if (offset > Number.MAX_SAFE_INTEGER) {
    throw new GgufParseError(`Tensor "${name}" data offset ${c.lastU64Text()} is out of range`, `${f}.offset`, offsetFieldPos);
  }
  if (offset % alignment !== 0) {
    throw new GgufParseError(
      `Tensor "${name}" data offset ${offset} is not a multiple of the alignment ${alignment}`,
      `${f}.offset`,
      offsetFieldPos,
    );
  }
  const info: GgufTensorInfo = {
    name,
    dims,
    type: type as GgmlType,
    offset,
    fileOffset: -1, // known once the data section start is
    nElements: Number(elements),
    nBytes: Number(bytes),
  };
  return { info, offsetFieldPos };
}

/** Sets each fileOffset and checks every tensor lies inside the file and overlaps no other. */
function placeTensors(tensors: GgufTensorInfo[], offsetPos: number[], dataOffset: number, fileSize: number): void {
  tensors.forEach((t, i) => {
    t.fileOffset = dataOffset + t.offset;
    if (t.fileOffset + t.nBytes > fileSize) {
      throw new GgufParseError(
        `Tensor "${t.name}" data (${t.nBytes} bytes at byte ${t.fileOffset}) runs past the end of the file (${fileSize} bytes)`,
        `tensor_infos[${i}].offset`,
        offsetPos[i]!,
      );
    }
  });

  // Zero-byte tensors occupy nothing, so they may share an offset with anything.
  const order = tensors.map((_, i) => i).filter((i) => tensors[i]!.nBytes > 0);
  order.sort((a, b) => tensors[a]!.offset - tensors[b]!.offset);
  for (let k = 1; k < order.length; k++) {
    const prev = tensors[order[k - 1]!]!;
    const i = order[k]!;
    const cur = tensors[i]!;
    if (cur.offset < prev.offset + prev.nBytes) {
      throw new GgufParseError(
        `Tensor "${cur.name}" data (offset ${cur.offset}) overlaps tensor "${prev.name}" (offsets ${prev.offset} to ${prev.offset + prev.nBytes})`,
        `tensor_infos[${i}].offset`,
        offsetPos[i]!,
      );
    }
  }
}
