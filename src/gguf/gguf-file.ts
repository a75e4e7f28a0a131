// An open GGUF model: the parsed header plus on-demand tensor reads, each tensor read straight from
// its source into its own fresh buffer (byteOffset 0, so typed-array views need no second copy).
// The source is a local file, an HTTP(S) URL read with range requests, or bytes in memory; a split
// model (gguf-split shards) opens as one file whose tensor index spans all shards.
// Reference: llama.cpp src/llama-model-loader.cpp (header first, tensor data loaded per tensor).

import { GgufParseError } from "../errors.js";
import { bufferSource, type ByteSource } from "./byte-source.js";
import { httpSource, isHttpUrl, type HttpSourceOptions } from "./http-source.js";
import { parseGgufHeader } from "./parse.js";
import { openShards, type OpenedShard } from "./split.js";
import type { GgufHeader, GgufMetadata, GgufTensorInfo } from "./types.js";

export interface GgufOpenOptions {
  /** Options for http(s) URLs: headers, abort signal, download progress, retries. */
  http?: HttpSourceOptions;
}

/** One file of the model: where it came from and its own header (offsets are relative to it). */
export interface GgufShardInfo {
  location: string | undefined;
  header: GgufHeader;
}

export class GgufFile {
  /** Shard 0's header, with the tensor list of every shard and the total size of all of them. */
  readonly header: GgufHeader;
  readonly shards: readonly GgufShardInfo[];
  private readonly sources: ByteSource[];
  private byName: Map<string, GgufTensorInfo> | undefined;
  private closed = false;

  private constructor(shards: readonly { location: string | undefined; header: GgufHeader; src: ByteSource }[]) {
    this.shards = shards.map((s) => ({ location: s.location, header: s.header }));
    this.sources = shards.map((s) => s.src);
    const first = shards[0]!.header;
    this.header =
      shards.length === 1
        ? first
        : {
            ...first,
            tensors: shards.flatMap((s, shard) => s.header.tensors.map((t) => ({ ...t, shard }))),
            fileSize: shards.reduce((sum, s) => sum + s.header.fileSize, 0),
          };
  }

  /**
   * Opens a local path or an http(s) URL. Given any shard of a split model (…-00001-of-00003.gguf),
   * opens all shards and checks they belong together.
   */
  static async open(location: string, opts: GgufOpenOptions = {}): Promise<GgufFile> {
    const opener = isHttpUrl(location)
      ? (loc: string) => httpSource(loc, opts.http)
      : async (loc: string) => (await import("./file-source.js")).fileSource(loc);
    const shards: OpenedShard[] = await openShards(location, opener);
    return new GgufFile(shards);
  }

  /** A GGUF already in memory (a single file). */
  static async fromBytes(bytes: Uint8Array): Promise<GgufFile> {
    return GgufFile.fromSource(bufferSource(bytes));
  }

  /** Any byte source holding a single GGUF file (not a split model). */
  static async fromSource(src: ByteSource, location?: string): Promise<GgufFile> {
    return new GgufFile([{ location, header: await parseGgufHeader(src), src }]);
  }

  /** Where shard 0 came from (a path or URL), if it came from one. */
  get path(): string | undefined {
    return this.shards[0]!.location;
  }

  get metadata(): GgufMetadata {
    return this.header.metadata;
  }

  get tensors(): readonly GgufTensorInfo[] {
    return this.header.tensors;
  }

  tensor(name: string): GgufTensorInfo | undefined {
    if (this.byName === undefined) this.byName = new Map(this.header.tensors.map((t) => [t.name, t]));
    return this.byName.get(name);
  }

  /** Exactly the tensor's bytes, in one fresh allocation filled directly by the read. */
  async readTensor(info: GgufTensorInfo): Promise<Uint8Array> {
    return this.sourceOf(info).read(info.fileOffset, info.nBytes);
  }

  /**
   * Reads the tensor's bytes into `target` (exactly info.nBytes long), e.g. a buffer inside
   * WebAssembly memory, straight from the file where the source supports it.
   */
  async readTensorInto(info: GgufTensorInfo, target: Uint8Array): Promise<void> {
    const src = this.sourceOf(info);
    if (target.length !== info.nBytes) {
      throw new RangeError(`Tensor "${info.name}" has ${info.nBytes} bytes but the target buffer holds ${target.length}`);
    }
    if (src.readInto) await src.readInto(target, info.fileOffset);
    else target.set(await src.read(info.fileOffset, info.nBytes));
  }

  /** The source holding a tensor, after checking its data lies inside that file. */
  private sourceOf(info: GgufTensorInfo): ByteSource {
    if (this.closed) throw new Error(`Cannot read tensor "${info.name}": the GGUF file is closed`);
    const shard = info.shard ?? 0;
    const src = this.sources[shard];
    if (src === undefined) throw new RangeError(`Tensor "${info.name}" names shard ${shard + 1} but the model has ${this.sources.length}`);
    // The info may come from elsewhere (or be edited); never read outside the file.
    if (!Number.isSafeInteger(info.fileOffset) || !Number.isSafeInteger(info.nBytes) || info.fileOffset < 0 || info.nBytes < 0 || info.fileOffset + info.nBytes > src.size) {
      throw new GgufParseError(
        `Tensor "${info.name}" data (${info.nBytes} bytes at byte ${info.fileOffset}) lies outside the file (${src.size} bytes)`,
        "tensor_data",
        info.fileOffset,
      );
    }
    return src;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.sources.map((s) => s.close?.()));
  }
}
