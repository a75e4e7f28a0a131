// Token datasets on disk: what data preparation writes and the trainer reads. One file holds a
// stream of documents' token ids and a per-token loss mask (1: the model is trained to predict
// this token; 0: context only, e.g. the prompt part of a chat example), so the trainer never
// re-tokenizes and every run over the same file sees the same tokens.
//
// Layout (little-endian): "LTDS" magic, u32 version (1), u32 vocab size, u32 token count n,
// u32 document count d, then n u32 token ids, n u8 mask bytes, d u32 document start offsets.

import { readFile, rename, writeFile } from "node:fs/promises";

export interface TokenDataset {
  /** Vocabulary the ids index; every id is below it. */
  nVocab: number;
  tokens: Uint32Array;
  /** 1 where the token is a training target, 0 where it is only context. */
  mask: Uint8Array;
  /** Offset of each document's first token in `tokens`, ascending, the first one 0. */
  docStarts: Uint32Array;
}

const MAGIC = 0x5344544c; // "LTDS"
const HEADER_BYTES = 20;

export class DatasetError extends Error {
  override name = "DatasetError";
}

/** Concatenates documents (each already starting with BOS if it should) into one dataset. */
export function buildDataset(nVocab: number, docs: Iterable<{ tokens: ArrayLike<number>; mask?: ArrayLike<number> }>): TokenDataset {
  const tokens: number[] = [];
  const mask: number[] = [];
  const starts: number[] = [];
  for (const d of docs) {
    if (d.mask && d.mask.length !== d.tokens.length) throw new DatasetError(`A document's mask has ${d.mask.length} entries for ${d.tokens.length} tokens`);
    if (d.tokens.length === 0) continue;
    starts.push(tokens.length);
    for (let i = 0; i < d.tokens.length; i++) {
      const t = d.tokens[i]!;
      if (!Number.isInteger(t) || t < 0 || t >= nVocab) throw new DatasetError(`Token id ${t} is outside the vocabulary of ${nVocab}`);
      tokens.push(t);
      mask.push(d.mask ? (d.mask[i] ? 1 : 0) : 1);
    }
  }
  return { nVocab, tokens: Uint32Array.from(tokens), mask: Uint8Array.from(mask), docStarts: Uint32Array.from(starts) };
}

export function encodeDataset(ds: TokenDataset): Uint8Array {
  const n = ds.tokens.length;
  const d = ds.docStarts.length;
  if (ds.mask.length !== n) throw new DatasetError(`mask has ${ds.mask.length} entries for ${n} tokens`);
  const out = new Uint8Array(HEADER_BYTES + 4 * n + n + 4 * d);
  const view = new DataView(out.buffer);
  [MAGIC, 1, ds.nVocab, n, d].forEach((v, i) => view.setUint32(4 * i, v, true));
  let p = HEADER_BYTES;
  for (let i = 0; i < n; i++, p += 4) view.setUint32(p, ds.tokens[i]!, true);
  out.set(ds.mask, p);
  p += n;
  for (let i = 0; i < d; i++, p += 4) view.setUint32(p, ds.docStarts[i]!, true);
  return out;
}

export function decodeDataset(bytes: Uint8Array, source = "dataset"): TokenDataset {
  if (bytes.length < HEADER_BYTES) throw new DatasetError(`${source}: ${bytes.length} bytes is too short for a token dataset`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new DatasetError(`${source}: not a token dataset (bad magic)`);
  const version = view.getUint32(4, true);
  if (version !== 1) throw new DatasetError(`${source}: unsupported dataset version ${version}`);
  const nVocab = view.getUint32(8, true);
  const n = view.getUint32(12, true);
  const d = view.getUint32(16, true);
  const want = HEADER_BYTES + 5 * n + 4 * d;
  if (bytes.length !== want) throw new DatasetError(`${source}: header promises ${want} bytes (${n} tokens, ${d} documents) but the file has ${bytes.length}`);
  const tokens = new Uint32Array(n);
  let p = HEADER_BYTES;
  for (let i = 0; i < n; i++, p += 4) {
    const t = view.getUint32(p, true);
    if (t >= nVocab) throw new DatasetError(`${source}: token ${i} has id ${t}, outside the vocabulary of ${nVocab}`);
    tokens[i] = t;
  }
  const mask = bytes.slice(p, p + n);
  p += n;
  const docStarts = new Uint32Array(d);
  for (let i = 0; i < d; i++, p += 4) {
    const s = view.getUint32(p, true);
    if (s >= n || (i > 0 && s <= docStarts[i - 1]!)) throw new DatasetError(`${source}: document ${i} starts at ${s}, not ascending within ${n} tokens`);
    docStarts[i] = s;
  }
  return { nVocab, tokens, mask, docStarts };
}

/** Writes atomically (temporary file, then rename). */
export async function writeDataset(path: string, ds: TokenDataset): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, encodeDataset(ds));
  await rename(tmp, path);
}

export async function readDataset(path: string): Promise<TokenDataset> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new DatasetError(`Dataset file not found: ${path}`);
    throw err;
  }
  return decodeDataset(bytes, path);
}
