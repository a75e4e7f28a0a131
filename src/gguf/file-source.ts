// A ByteSource over a local file (Node only). node:fs is imported lazily inside the function so
// that bundling the library for browsers never pulls a Node built-in into the module graph.

import { checkRange, type ByteSource } from "./byte-source.js";

/** fs rejects single reads over 2 GiB; 1 GiB chunks stay well inside that. */
const MAX_READ_CHUNK = 1 << 30;

/**
 * Uninitialized memory is safe here because every caller fills the whole buffer or throws; a
 * plain Uint8Array over it avoids Buffer's aliasing `slice` semantics leaking to callers.
 */
function allocate(length: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(b.buffer, b.byteOffset, length);
}

export async function fileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const { open } = await import("node:fs/promises");
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
  /** Fills all of `out` from byte `offset` on, in chunks fs accepts. */
  const fill = async (out: Uint8Array, offset: number): Promise<void> => {
    if (closed) throw new Error(`Cannot read from ${what}: it is closed`);
    checkRange(offset, out.length, size, what);
    const length = out.length;
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
  };
  return {
    size,
    async read(offset, length) {
      if (closed) throw new Error(`Cannot read from ${what}: it is closed`);
      checkRange(offset, length, size, what);
      const out = allocate(length);
      await fill(out, offset);
      return out;
    },
    readInto: fill,
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
