// Random-access byte sources the GGUF reader works over: an in-memory buffer or an open file.
// Every read returns a fresh Uint8Array the caller owns (byteOffset 0), so tensor bytes can be
// viewed as Float32Array/Uint16Array without a second copy.

import { open } from "node:fs/promises";

export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes starting at `offset`, in a new buffer; throws if the source is shorter. */
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** fs rejects single reads over 2 GiB; 1 GiB chunks stay well inside that. */
const MAX_READ_CHUNK = 1 << 30;

function checkRange(offset: number, length: number, size: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`Invalid read of ${length} bytes at byte ${offset} from ${what}`);
  }
  if (offset + length > size) {
    throw new RangeError(
      `Read of ${length} bytes at byte ${offset} runs past the end of ${what} (${size} bytes)`,
    );
  }
}

/**
 * Uninitialized memory is safe here because every caller fills the whole buffer or throws; a
 * plain Uint8Array over it avoids Buffer's aliasing `slice` semantics leaking to callers.
 */
function allocate(length: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(b.buffer, b.byteOffset, length);
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

export async function fileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await open(path, "r");
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (err) {
    await handle.close();
    throw err;
  }
  let closed = false;
  const what = `file "${path}"`;
  return {
    size,
    async read(offset, length) {
      if (closed) throw new Error(`Cannot read from ${what}: it is closed`);
      checkRange(offset, length, size, what);
      const out = allocate(length);
      let done = 0;
      while (done < length) {
        const want = Math.min(MAX_READ_CHUNK, length - done);
        const { bytesRead } = await handle.read(out, done, want, offset + done);
        // Zero bytes means end of file: the file shrank after we measured it.
        if (bytesRead === 0) {
          throw new Error(
            `Unexpected end of ${what}: wanted ${length} bytes at byte ${offset}, got ${done}`,
          );
        }
        done += bytesRead;
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
