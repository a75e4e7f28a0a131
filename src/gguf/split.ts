// Split GGUF models (llama.cpp's gguf-split): shard i of n is `<prefix>-<i+1:05>-of-<n:05>.gguf`,
// each a valid GGUF with its own tensor infos and the keys split.no (u16, 0-based), split.count
// (u16) and split.tensors.count (i32, tensors in all shards); shard 0 holds the model metadata.
// Given any shard, this finds and opens the others and checks they belong together.
// Reference: llama.cpp tools/gguf-split/gguf-split.cpp, src/llama-model-loader.cpp (llama_split_path).

import { ModelFormatError } from "../errors.js";
import type { ByteSource } from "./byte-source.js";
import { metaNumber } from "./metadata.js";
import { parseGgufHeader } from "./parse.js";
import type { GgufHeader } from "./types.js";

export const SPLIT_NO = "split.no";
export const SPLIT_COUNT = "split.count";
export const SPLIT_TENSORS_COUNT = "split.tensors.count";

/** gguf-split writes 5-digit numbers; split.count is a u16. */
export const MAX_SPLITS = 0xffff;

export interface SplitName {
  prefix: string;
  /** 0-based shard index (the name carries index + 1). */
  index: number;
  count: number;
  /** A URL's query or fragment, kept so sibling URLs carry it too. */
  suffix: string;
}

const SPLIT_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf((?:[?#].*)?)$/;

/** Parses `<prefix>-00002-of-00003.gguf` (a path or URL); undefined for any other name. */
export function parseSplitName(location: string): SplitName | undefined {
  const m = SPLIT_NAME.exec(location);
  if (!m) return undefined;
  const index = Number(m[2]) - 1;
  const count = Number(m[3]);
  if (index < 0 || count < 1 || index >= count) return undefined;
  return { prefix: m[1]!, index, count, suffix: m[4] ?? "" };
}

/** llama_split_path: the name of 0-based shard `index` of `count`. */
export function splitName(prefix: string, index: number, count: number, suffix = ""): string {
  const pad = (n: number) => String(n).padStart(5, "0");
  return `${prefix}-${pad(index + 1)}-of-${pad(count)}.gguf${suffix}`;
}

export interface SplitKeys {
  no: number;
  count: number;
  tensorsCount: number | undefined;
}

/** The split.* keys of a header, or undefined when the file is not part of a split model. */
export function readSplitKeys(header: GgufHeader): SplitKeys | undefined {
  const count = metaNumber(header.metadata, SPLIT_COUNT);
  if (count === undefined) return undefined;
  const no = metaNumber(header.metadata, SPLIT_NO) ?? 0;
  const tensorsCount = metaNumber(header.metadata, SPLIT_TENSORS_COUNT);
  if (!Number.isInteger(count) || count < 1 || count > MAX_SPLITS) {
    throw new ModelFormatError(`Metadata key "${SPLIT_COUNT}" is ${count}, expected 1 to ${MAX_SPLITS}`);
  }
  if (!Number.isInteger(no) || no < 0 || no >= count) {
    throw new ModelFormatError(`Metadata key "${SPLIT_NO}" is ${no}, expected 0 to ${count - 1}`);
  }
  return { no, count, tensorsCount };
}

export interface OpenedShard {
  location: string;
  src: ByteSource;
  header: GgufHeader;
}

/** Opens a byte source for a path or URL; must throw an error with code "ENOENT" or status 404 when it does not exist. */
export type SourceOpener = (location: string) => Promise<ByteSource>;

function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; status?: unknown };
  return e?.code === "ENOENT" || e?.status === 404;
}

/**
 * Opens `location` and, when it is one shard of a split model, every other shard, in order.
 * A single file comes back as a one-element list. Everything opened is closed again on error.
 */
export async function openShards(location: string, open: SourceOpener): Promise<OpenedShard[]> {
  const opened: OpenedShard[] = [];
  const openOne = async (loc: string): Promise<OpenedShard> => {
    const src = await open(loc);
    try {
      const shard = { location: loc, src, header: await parseGgufHeader(src) };
      opened.push(shard);
      return shard;
    } catch (err) {
      await src.close?.();
      throw err;
    }
  };
  try {
    const first = await openOne(location);
    const keys = readSplitKeys(first.header);
    if (keys === undefined || keys.count === 1) return [first];
    const name = parseSplitName(location);
    if (name === undefined) {
      throw new ModelFormatError(
        `"${location}" is shard ${keys.no + 1} of a model split in ${keys.count} files, but its name does not end in ` +
          `"-${String(keys.no + 1).padStart(5, "0")}-of-${String(keys.count).padStart(5, "0")}.gguf", so the other shards cannot be found`,
      );
    }
    if (name.count !== keys.count || name.index !== keys.no) {
      throw new ModelFormatError(
        `"${location}" is named shard ${name.index + 1} of ${name.count} but its metadata says shard ${keys.no + 1} of ${keys.count}`,
      );
    }
    const shards: OpenedShard[] = [];
    for (let i = 0; i < keys.count; i++) {
      if (i === name.index) {
        shards.push(first);
        continue;
      }
      const loc = splitName(name.prefix, i, keys.count, name.suffix);
      let shard: OpenedShard;
      try {
        shard = await openOne(loc);
      } catch (err) {
        if (isNotFound(err)) throw new ModelFormatError(`Shard ${i + 1} of ${keys.count} is missing: "${loc}" was not found`);
        throw err;
      }
      const k = readSplitKeys(shard.header);
      if (k === undefined || k.count !== keys.count || k.no !== i) {
        const says = k === undefined ? "has no split metadata" : `says it is shard ${k.no + 1} of ${k.count}`;
        throw new ModelFormatError(`"${loc}" should be shard ${i + 1} of ${keys.count} but ${says}`);
      }
      shards.push(shard);
    }
    checkTensorSet(shards);
    return shards;
  } catch (err) {
    await Promise.all(opened.map((s) => s.src.close?.().catch(() => undefined)));
    throw err;
  }
}

/** The shards must hold each tensor once, and as many as shard 0's split.tensors.count announces. */
function checkTensorSet(shards: OpenedShard[]): void {
  const seen = new Map<string, number>();
  let total = 0;
  shards.forEach((s, i) => {
    for (const t of s.header.tensors) {
      const prev = seen.get(t.name);
      if (prev !== undefined) throw new ModelFormatError(`Tensor "${t.name}" appears in both shard ${prev + 1} and shard ${i + 1}`);
      seen.set(t.name, i);
      total++;
    }
  });
  const expected = readSplitKeys(shards[0]!.header)?.tensorsCount;
  if (expected !== undefined && expected !== total) {
    throw new ModelFormatError(`The split model announces ${expected} tensors (${SPLIT_TENSORS_COUNT}) but its ${shards.length} shards hold ${total}`);
  }
}
