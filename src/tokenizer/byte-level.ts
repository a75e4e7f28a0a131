// GPT-2 byte-level alphabet: every byte gets a printable stand-in character so that byte-level
// BPE vocabularies (Llama 3) can be stored as text. Printable Latin-1 bytes map to themselves,
// the other 68 bytes, in increasing order, to U+0100 + n. Reference: llama.cpp src/unicode.cpp
// `unicode_byte_to_utf8_map`, OpenAI gpt-2 encoder.py `bytes_to_unicode`.

function isSelfMapped(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

/** byte → its stand-in character. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(isSelfMapped(b) ? b : 0x100 + n++);
  return out;
})();

/** stand-in character code → byte, or -1 for characters outside the alphabet. */
const CHAR_TO_BYTE: Int16Array = (() => {
  const out = new Int16Array(0x200).fill(-1);
  for (let b = 0; b < 256; b++) out[BYTE_TO_CHAR[b]!.charCodeAt(0)] = b;
  return out;
})();

/** Byte value of one stand-in character (by UTF-16 code), or -1. */
export function charToByte(code: number): number {
  return code < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[code]! : -1;
}

/** Maps UTF-8 bytes to their stand-in string. */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]!];
  return s;
}
