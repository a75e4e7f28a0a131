// Growable little-endian byte buffer the GGUF writer encodes headers into (a Llama 3 header is
// ~10 MB of strings, so appends must be amortized O(1) and strings encoded in place).

const encoder = new TextEncoder();

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialCapacity = 1 << 16) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }

  i8(v: number): void {
    this.reserve(1);
    this.view.setInt8(this.length++, v);
  }

  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  i16(v: number): void {
    this.reserve(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }

  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  u64(v: bigint | number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }

  i64(v: bigint | number): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, BigInt(v), true);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }

  /** gguf_string: u64 byte length, then UTF-8 bytes (no NUL). Returns the byte length. */
  string(s: string): number {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.reserve(8 + s.length * 3);
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.length + 8));
    this.view.setBigUint64(this.length, BigInt(written), true);
    this.length += 8 + written;
    return written;
  }

  /** The bytes written so far (a view; copy it if the writer is used again). */
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}
