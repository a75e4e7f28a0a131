// An open GGUF file: the parsed header plus on-demand tensor reads, each tensor read straight from
// disk into its own fresh buffer (byteOffset 0, so typed-array views need no second copy).
// Reference: llama.cpp src/llama-model-loader.cpp (header first, tensor data loaded per tensor).

import { GgufParseError } from "../errors.js";
import { bufferSource, fileSource, type ByteSource } from "./byte-source.js";
import { parseGgufHeader } from "./parse.js";
import type { GgufHeader, GgufMetadata, GgufTensorInfo } from "./types.js";

export class GgufFile {
  private byName: Map<string, GgufTensorInfo> | undefined;
  private closed = false;

  private constructor(
    readonly header: GgufHeader,
    private readonly src: ByteSource,
    readonly path?: string,
  ) {}

  static async open(path: string): Promise<GgufFile> {
    const src = await fileSource(path);
    try {
      return new GgufFile(await parseGgufHeader(src), src, path);
    } catch (err) {
      await src.close();
      throw err;
    }
  }

  static async fromBytes(bytes: Uint8Array): Promise<GgufFile> {
    const src = bufferSource(bytes);
    return new GgufFile(await parseGgufHeader(src), src);
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

  /** Exactly the tensor's bytes, in one fresh allocation filled directly by the file read. */
  async readTensor(info: GgufTensorInfo): Promise<Uint8Array> {
    if (this.closed) throw new Error(`Cannot read tensor "${info.name}": the GGUF file is closed`);
    // The info may come from elsewhere (or be edited); never read outside the file.
    if (!Number.isSafeInteger(info.fileOffset) || !Number.isSafeInteger(info.nBytes) || info.fileOffset < 0 || info.nBytes < 0 || info.fileOffset + info.nBytes > this.src.size) {
      throw new GgufParseError(
        `Tensor "${info.name}" data (${info.nBytes} bytes at byte ${info.fileOffset}) lies outside the file (${this.src.size} bytes)`,
        "tensor_data",
        info.fileOffset,
      );
    }
    return this.src.read(info.fileOffset, info.nBytes);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.src.close?.();
  }
}
