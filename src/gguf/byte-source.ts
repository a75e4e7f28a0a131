// Random-access byte sources the GGUF reader works over. This file holds the interface and the
// in-memory source, and imports nothing from Node, so the browser bundle can use it; the file
// source lives in file-source.ts and the HTTP range source in http-source.ts.
// Every read returns a fresh Uint8Array the caller owns (byteOffset 0), so tensor bytes can be
// viewed as Float32Array/Uint16Array without a second copy.

export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes starting at `offset`, in a new buffer; throws if the source is shorter. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Optional: fills `target` with the bytes at `offset` (e.g. straight into WebAssembly memory). */
  readInto?(target: Uint8Array, offset: number): Promise<void>;
  close?(): Promise<void>;
}

export function checkRange(offset: number, length: number, size: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`Invalid read of ${length} bytes at byte ${offset} from ${what}`);
  }
  if (offset + length > size) {
    throw new RangeError(
      `Read of ${length} bytes at byte ${offset} runs past the end of ${what} (${size} bytes)`,
    );
  }
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    async read(offset, length) {
      checkRange(offset, length, bytes.length, "the buffer");
      return bytes.slice(offset, offset + length);
    },
  };
}
