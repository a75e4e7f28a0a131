// Cached typed-array views over the buffer behind a Uint8Array, so per-row dot products and codecs
// read int8/uint16 lanes without allocating. Views span the whole buffer; callers add byteOffset.
// Every block size is even, so kernels read 16-bit words; `anyOffset` copies the rare odd row.

interface BufferViews {
  u8: Uint8Array;
  i8: Int8Array;
  /** Covers the buffer's whole 16-bit words; index = absolute byte offset / 2 for even offsets. */
  u16: Uint16Array;
  /** The same words signed: the high byte of a pair of int8 quants is then just `x >> 8`. */
  i16: Int16Array;
}

const cache = new WeakMap<ArrayBufferLike, BufferViews>();

/** Uint8, Int8, Uint16 and Int16 views over the entire buffer of `bytes` (absolute index = bytes.byteOffset + i). */
export function viewsOf(bytes: Uint8Array): BufferViews {
  const buffer = bytes.buffer;
  let v = cache.get(buffer);
  // A resizable buffer may have grown since the views were made.
  if (v === undefined || v.u8.length !== buffer.byteLength) {
    v = {
      u8: new Uint8Array(buffer),
      i8: new Int8Array(buffer),
      u16: new Uint16Array(buffer, 0, buffer.byteLength >> 1),
      i16: new Int16Array(buffer, 0, buffer.byteLength >> 1),
    };
    cache.set(buffer, v);
  }
  return v;
}

/** The signature of every row dot product (see GgmlTypeTraits.vecDot). */
export type RowDot = (w: Uint8Array, wOff: number, a: Uint8Array, aOff: number, n: number) => number;

// Scratch rows for the rare odd-offset call: the dot kernels read 16-bit words, so a row that
// does not start at an even absolute offset is first copied to one that does.
let scratchW = new Uint8Array(0);
let scratchA = new Uint8Array(0);

function copyW(bytes: Uint8Array, off: number, len: number): Uint8Array {
  if (scratchW.length < len) scratchW = new Uint8Array(Math.max(len, 2 * scratchW.length));
  scratchW.set(bytes.subarray(off, off + len));
  return scratchW;
}

function copyA(bytes: Uint8Array, off: number, len: number): Uint8Array {
  if (scratchA.length < len) scratchA = new Uint8Array(Math.max(len, 2 * scratchA.length));
  scratchA.set(bytes.subarray(off, off + len));
  return scratchA;
}

/**
 * Wraps a kernel that reads 16-bit (or, with align 4, 32-bit) words, and so needs both rows at
 * aligned absolute offsets, so that any offset works: misaligned rows are copied to scratch first.
 * GGUF data is 32-byte aligned and every block size is even, so the copy is for correctness only.
 */
export function anyOffset(kernel: RowDot, wBlock: number, wBytes: number, aBlock: number, aBytes: number, align: 2 | 4 = 2): RowDot {
  const mask = align - 1;
  return (w, wOff, a, aOff, n) => {
    if (((w.byteOffset + wOff) & mask) !== 0) {
      w = copyW(w, wOff, (n / wBlock) * wBytes);
      wOff = 0;
    }
    if (((a.byteOffset + aOff) & mask) !== 0) {
      a = copyA(a, aOff, (n / aBlock) * aBytes);
      aOff = 0;
    }
    return kernel(w, wOff, a, aOff, n);
  };
}

const f32Cache = new WeakMap<ArrayBufferLike, Float32Array>();

/** Float32 view over the buffer's whole 32-bit words when `absOffset` is 4-byte aligned (else null). */
export function f32ViewAt(bytes: Uint8Array, absOffset: number): Float32Array | null {
  if ((absOffset & 3) !== 0) return null;
  const buffer = bytes.buffer;
  let v = f32Cache.get(buffer);
  if (v === undefined || v.length !== buffer.byteLength >> 2) {
    v = new Float32Array(buffer, 0, buffer.byteLength >> 2);
    f32Cache.set(buffer, v);
  }
  return v;
}

// Scratch word for reading an unaligned little-endian f32 (Q8_K's d) without a DataView.
const wordF32 = new Float32Array(1);
const wordU8 = new Uint8Array(wordF32.buffer);

/** Little-endian f32 at absolute byte `o` of `u8` (any alignment). Assumes a little-endian host. */
export function readF32(u8: Uint8Array, o: number): number {
  wordU8[0] = u8[o];
  wordU8[1] = u8[o + 1];
  wordU8[2] = u8[o + 2];
  wordU8[3] = u8[o + 3];
  return wordF32[0];
}

/** Writes a little-endian f32 at absolute byte `o` of `u8` (any alignment). */
export function writeF32(u8: Uint8Array, o: number, x: number): void {
  wordF32[0] = x;
  u8[o] = wordU8[0];
  u8[o + 1] = wordU8[1];
  u8[o + 2] = wordU8[2];
  u8[o + 3] = wordU8[3];
}

/** Little-endian int16 at absolute byte `o`. */
export function readI16(u8: Uint8Array, o: number): number {
  return ((u8[o] | (u8[o + 1] << 8)) << 16) >> 16;
}

/** Writes a little-endian 16-bit value at absolute byte `o`. */
export function writeU16(u8: Uint8Array, o: number, v: number): void {
  u8[o] = v & 0xff;
  u8[o + 1] = (v >> 8) & 0xff;
}

/** Rejects a row length that is not a whole number of blocks. */
export function checkRow(name: string, blockSize: number, n: number): void {
  if (n % blockSize !== 0 || n < 0) {
    throw new RangeError(`Row length ${n} is not a multiple of the ${name} block size ${blockSize}`);
  }
}
