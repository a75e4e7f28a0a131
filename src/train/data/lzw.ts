// Unix `compress` (LZW) decoding, as the Bible Retrieval System data files use it: codes of 9 up
// to maxBits bits, least significant bit first, read in groups of n_bits bytes (8 codes); a group
// is abandoned whenever the code width grows or the table is cleared (code 256 in block mode),
// which is why the reader tracks groups rather than a plain bit position.

export class LzwError extends Error {
  override name = "LzwError";
}

const CLEAR = 256;
const INIT_BITS = 9;

/** Decompresses one LZW stream (no 1F 9D header: the caller has read it). */
export function decompressLzw(input: Uint8Array, maxBits: number, blockMode: boolean): Uint8Array {
  if (!Number.isInteger(maxBits) || maxBits < INIT_BITS || maxBits > 16) throw new LzwError(`LZW code width must be 9 to 16 bits, got ${maxBits}`);
  const maxMaxCode = 1 << maxBits;
  const prefix = new Uint16Array(maxMaxCode);
  const suffix = new Uint8Array(maxMaxCode);
  for (let c = 0; c < 256; c++) suffix[c] = c;

  let nBits = INIT_BITS;
  let maxCode = (1 << nBits) - 1;
  let freeEnt = blockMode ? 257 : 256;
  let clearPending = false;
  let pos = 0; // next unread byte
  let group = 0; // first byte of the current group
  let bitOffset = 0;
  let bitSize = 0;

  const nextCode = (): number => {
    if (clearPending || bitOffset >= bitSize || freeEnt > maxCode) {
      if (freeEnt > maxCode) {
        nBits++;
        maxCode = nBits === maxBits ? maxMaxCode : (1 << nBits) - 1;
      }
      if (clearPending) {
        nBits = INIT_BITS;
        maxCode = (1 << nBits) - 1;
        clearPending = false;
      }
      const size = Math.min(nBits, input.length - pos);
      if (size <= 0) return -1;
      group = pos;
      pos += size;
      bitOffset = 0;
      bitSize = size * 8 - (nBits - 1); // whole codes only
    }
    let code = 0;
    for (let i = 0; i < nBits; i++) {
      const bit = bitOffset + i;
      code |= ((input[group + (bit >> 3)]! >> (bit & 7)) & 1) << i;
    }
    bitOffset += nBits;
    return code;
  };

  const out: number[] = [];
  const stack: number[] = [];
  let oldCode = nextCode();
  if (oldCode < 0) return new Uint8Array(0);
  if (oldCode > 255) throw new LzwError(`LZW stream starts with code ${oldCode}, not a byte`);
  let finChar = oldCode;
  out.push(finChar);
  for (let code = nextCode(); code > -1; code = nextCode()) {
    if (code === CLEAR && blockMode) {
      clearPending = true;
      freeEnt = 256; // becomes 257 with the entry added after the next code
      code = nextCode();
      if (code < 0) break;
    }
    const inCode = code;
    if (code >= freeEnt) {
      if (code > freeEnt) throw new LzwError(`Corrupt LZW stream: code ${code} before entry ${freeEnt} exists`);
      stack.push(finChar); // the KwKwK case
      code = oldCode;
    }
    while (code >= 256) {
      stack.push(suffix[code]!);
      code = prefix[code]!;
    }
    finChar = suffix[code]!;
    stack.push(finChar);
    while (stack.length > 0) out.push(stack.pop()!);
    if (freeEnt < maxMaxCode) {
      prefix[freeEnt] = oldCode;
      suffix[freeEnt] = finChar;
      freeEnt++;
    }
    oldCode = inCode;
  }
  return Uint8Array.from(out);
}
