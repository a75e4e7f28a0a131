// The text file of the Bible Retrieval System (Debian's bible-kjv-text: /usr/lib/bible.data):
// "EC" magic, a 2-char version ("02"), an 80-byte description, then big-endian u32 window size,
// window count, and window count + 1 file offsets; at the first offset minus 3 sits compress's
// 1F 9D header (its third byte: max code width | 0x80 for block mode), and each window is an
// independent LZW stream that decodes to exactly `window size` bytes (the last one to the rest).

import { decompressLzw } from "./lzw.js";

export class BrsFormatError extends Error {
  override name = "BrsFormatError";
}

const HEADER_BYTES = 92;

export function readBrsTextFile(bytes: Uint8Array, source = "bible.data"): string {
  if (bytes.length < HEADER_BYTES + 4 || bytes[0] !== 0x45 || bytes[1] !== 0x43) {
    throw new BrsFormatError(`${source}: not a Bible Retrieval System text file (no "EC" magic)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const windowSize = view.getUint32(84);
  const windows = view.getUint32(88);
  const tableEnd = HEADER_BYTES + 4 * (windows + 1);
  if (windowSize === 0 || windows === 0 || tableEnd + 3 > bytes.length) throw new BrsFormatError(`${source}: bad window table (${windows} windows of ${windowSize} bytes)`);
  const offsets = Array.from({ length: windows + 1 }, (_, i) => view.getUint32(HEADER_BYTES + 4 * i));
  const first = offsets[0]!;
  if (first < 3 || bytes[first - 3] !== 0x1f || bytes[first - 2] !== 0x9d) throw new BrsFormatError(`${source}: no compress header before the first window`);
  const flags = bytes[first - 1]!;
  const parts: Uint8Array[] = [];
  for (let w = 0; w < windows; w++) {
    const start = offsets[w]!;
    const end = offsets[w + 1]!;
    if (end < start || end > bytes.length) throw new BrsFormatError(`${source}: window ${w} spans ${start}..${end}, outside the file of ${bytes.length} bytes`);
    const text = decompressLzw(bytes.subarray(start, end), flags & 0x1f, (flags & 0x80) !== 0);
    if (w < windows - 1 && text.length !== windowSize) throw new BrsFormatError(`${source}: window ${w} decodes to ${text.length} bytes, not ${windowSize}`);
    parts.push(text);
  }
  return Buffer.concat(parts).toString("latin1");
}
