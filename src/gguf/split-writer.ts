// Writes a model as gguf-split shards: tensors in order, a new shard whenever the next tensor would
// push the current one's (32-byte padded) tensor data past maxShardBytes, at least one tensor per
// shard. Shard 0 carries all metadata; every shard carries split.no / split.count /
// split.tensors.count, exactly as llama.cpp's gguf-split lays them out, so llama.cpp loads them.
// Reference: llama.cpp tools/gguf-split/gguf-split.cpp (split_strategy).

import { alignUp, GGUF_DEFAULT_ALIGNMENT } from "./format.js";
import { md } from "./metadata.js";
import { MAX_SPLITS, SPLIT_COUNT, SPLIT_NO, SPLIT_TENSORS_COUNT, splitName } from "./split.js";
import { GGML_BLOCK_GEOMETRY, type GgufMetadataEntry } from "./types.js";
import { writeGguf, type GgufWriteOptions, type GgufWriteTensor } from "./writer.js";

export interface GgufSplitOptions {
  /** Most tensor-data bytes in one shard (a tensor larger than this gets a shard of its own). */
  maxShardBytes?: number;
  /** Most tensors in one shard (gguf-split's --split-max-tensors). */
  maxShardTensors?: number;
}

/**
 * Writes `<prefix>-00001-of-0000N.gguf` … and returns their paths in order. `prefix` is a path
 * without the `.gguf` extension (a trailing `.gguf` is dropped).
 */
export async function writeGgufSplit(prefix: string, opts: GgufWriteOptions, split: GgufSplitOptions): Promise<string[]> {
  const { maxShardBytes = Infinity, maxShardTensors = Infinity } = split;
  if (!(maxShardBytes > 0) || !(maxShardTensors >= 1)) {
    throw new RangeError(`Split limits must be positive, got ${maxShardBytes} bytes and ${maxShardTensors} tensors`);
  }
  if (opts.tensors.length === 0) throw new RangeError("Cannot split a model with no tensors");
  const base = prefix.replace(/\.gguf$/i, "");
  const groups = planShards(opts.tensors, maxShardBytes, maxShardTensors);
  if (groups.length > MAX_SPLITS) throw new RangeError(`Splitting would need ${groups.length} shards; at most ${MAX_SPLITS} are allowed`);

  const metadata = [...opts.metadata].filter(([k]) => !k.startsWith("split."));
  const splitKeys = (no: number): [string, GgufMetadataEntry][] => [
    [SPLIT_NO, md.uint16(no)],
    [SPLIT_COUNT, md.uint16(groups.length)],
    [SPLIT_TENSORS_COUNT, md.int32(opts.tensors.length)],
  ];
  const paths: string[] = [];
  for (let i = 0; i < groups.length; i++) {
    const path = splitName(base, i, groups.length);
    await writeGguf(path, {
      ...(opts.version !== undefined && { version: opts.version }),
      ...(i === 0 && opts.alignment !== undefined && { alignment: opts.alignment }),
      metadata: i === 0 ? [...metadata, ...splitKeys(0)] : splitKeys(i),
      tensors: groups[i]!,
    });
    paths.push(path);
  }
  return paths;
}

/** Groups tensors in order, as gguf-split's size and tensor-count modes do. */
export function planShards(tensors: GgufWriteTensor[], maxBytes: number, maxTensors: number): GgufWriteTensor[][] {
  const groups: GgufWriteTensor[][] = [];
  let current: GgufWriteTensor[] = [];
  let bytes = 0;
  for (const t of tensors) {
    const n = alignUp(tensorBytes(t), GGUF_DEFAULT_ALIGNMENT);
    if (current.length > 0 && (bytes + n > maxBytes || current.length >= maxTensors)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(t);
    bytes += n;
  }
  groups.push(current);
  return groups;
}

function tensorBytes(t: GgufWriteTensor): number {
  const geometry = GGML_BLOCK_GEOMETRY[t.type];
  if (geometry === undefined) throw new RangeError(`Tensor "${t.name}" has unknown ggml type id ${t.type}`);
  const elements = t.dims.reduce((a, b) => a * b, 1);
  return (elements / geometry[0]) * geometry[1];
}
