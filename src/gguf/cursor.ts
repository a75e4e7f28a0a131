// Buffered little-endian cursor over a ByteSource for the GGUF header reader. Reads the source in
// multi-MiB chunks so a 10 MB tokenizer header costs a handful of reads, and keeps the hot accessors
// synchronous: callers `await fill(n)` only when `available < n`.

import { GgufParseError } from "../errors.js";
import type { ByteSource } from "./byte-source.js";

export const DEFAULT_CHUNK_SIZE = 4 << 20;

const TWO_POW_32 = 0x1_0000_0000;

export class Cursor {
  /** Absolute offset of `buf[0]` in the source. */
  private bufStart = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  /** Position relative to `buf`. */
  private rel = 0;
  private lastLo = 0;
  private lastHi = 0;
  // ignoreBOM: a token string that starts with U+FEFF must keep it.
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  constructor(
    private readonly src: ByteSource,
    private readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {}

  get size(): number {
    return this.src.size;
  }

  /** Absolute offset of the next byte. */
  get pos(): number {
    return this.bufStart + this.rel;
  }

  get available(): number {
    return this.buf.length - this.rel;
  }

  /** Bytes between the cursor and the end of the source. */
  get remaining(): number {
    return this.src.size - this.pos;
  }

  /** Makes at least `n` bytes available, or throws a truncation error naming `field`. */
  async fill(n: number, field: string): Promise<void> {
    if (this.available >= n) return;
    const pos = this.pos;
    const left = this.src.size - pos;
    if (n > left) {
      throw new GgufParseError(`File is truncated: ${n} bytes needed but only ${Math.max(left, 0)} left`, field, pos);
    }
    // n ≤ remaining file size, so even an oversized request is bounded by real bytes.
    const len = Math.min(Math.max(n, this.chunkSize), left);
    const buf = await this.src.read(pos, len);
    // A source that breaks its contract must not turn into a RangeError from the DataView.
    if (buf.length < len) {
      throw new GgufParseError(`File is truncated: the source returned ${buf.length} of ${len} bytes`, field, pos);
    }
    this.buf = buf;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.bufStart = pos;
    this.rel = 0;
  }

  // The accessors below assume the caller made the bytes available.

  u8(): number {
    return this.buf[this.rel++]!;
  }

  u32(): number {
    const v = this.view.getUint32(this.rel, true);
    this.rel += 4;
    return v;
  }

  /**
   * A u64 as a number: exact up to 2^53, approximate (but still huge) beyond, which is all a
   * length or count check needs. `lastU64Text` gives the exact value for error messages.
   */
  u64(): number {
    this.lastLo = this.view.getUint32(this.rel, true);
    this.lastHi = this.view.getUint32(this.rel + 4, true);
    this.rel += 8;
    return this.lastHi * TWO_POW_32 + this.lastLo;
  }

  lastU64Text(): string {
    return ((BigInt(this.lastHi) << 32n) | BigInt(this.lastLo)).toString();
  }

  /** A fixed-width little-endian value; 64-bit integers come back as bigint. */
  scalar(kind: ScalarKind): number | bigint {
    const v = readLE(this.view, kind, this.rel);
    this.rel += SCALAR_SIZE[kind];
    return v;
  }

  /** The next `n` bytes as a view into the chunk buffer (valid until the next fill). */
  bytes(n: number): Uint8Array {
    const out = this.buf.subarray(this.rel, this.rel + n);
    this.rel += n;
    return out;
  }

  /** Non-fatal decode, like llama.cpp, which stores key and token bytes without validating them. */
  string(n: number): string {
    const start = this.rel;
    this.rel += n;
    return this.decoder.decode(this.buf.subarray(start, start + n));
  }
}

export type ScalarKind = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64" | "u64" | "i64";

const SCALAR_SIZE: Readonly<Record<ScalarKind, number>> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8, u64: 8, i64: 8,
};

export function readLE(v: DataView, kind: ScalarKind, at: number): number | bigint {
  switch (kind) {
    case "u8":
      return v.getUint8(at);
    case "i8":
      return v.getInt8(at);
    case "u16":
      return v.getUint16(at, true);
    case "i16":
      return v.getInt16(at, true);
    case "u32":
      return v.getUint32(at, true);
    case "i32":
      return v.getInt32(at, true);
    case "f32":
      return v.getFloat32(at, true);
    case "f64":
      return v.getFloat64(at, true);
    case "u64":
      return v.getBigUint64(at, true);
    case "i64":
      return v.getBigInt64(at, true);
  }
}
