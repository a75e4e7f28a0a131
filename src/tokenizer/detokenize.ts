// Token ids → bytes → text. `tokenPiece` is llama.cpp's token_to_piece (control and unknown tokens
// render only with `special`); `detokenize` is llama_detokenize with remove_special = false: the
// SentencePiece leading space of the first piece is dropped, and byte-level BPE vocabularies that
// set clean_spaces (Llama 3) get HF's clean_up_tokenization_spaces applied to the whole sequence.
// Reference: llama.cpp src/llama-vocab.cpp `token_to_piece`, `detokenize`, `llama_decode_text`.

import { charToByte } from "./byte-level.js";
import { ATTR_BYTE, ATTR_CONTROL, ATTR_NORMAL, ATTR_UNKNOWN, ATTR_USER_DEFINED, type Vocab } from "./vocab.js";

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);
const SPACE = 0x20;

/** Byte-level text back to bytes; characters outside the alphabet become llama.cpp's marker. */
function decodeByteLevel(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const b = ch.length === 1 ? charToByte(ch.charCodeAt(0)) : -1;
    if (b >= 0) {
      out.push(b);
      continue;
    }
    const hex = [...utf8.encode(ch)].map((x) => x.toString(16).padStart(2, "0")).join("");
    out.push(...utf8.encode(`[UNK_BYTE_0x${hex}${text}]`));
  }
  return Uint8Array.from(out);
}

/** Raw bytes of one token as llama.cpp renders it. */
export function renderPiece(vocab: Vocab, token: number, special: boolean): Uint8Array {
  if (!Number.isInteger(token) || token < 0 || token >= vocab.texts.length) {
    throw new RangeError(`Token id ${token} is out of range (vocabulary size ${vocab.texts.length})`);
  }
  const attr = vocab.attrs[token]!;
  if (!special && attr & (ATTR_CONTROL | ATTR_UNKNOWN)) return EMPTY;
  const text = vocab.texts[token]!;
  if (attr & (ATTR_CONTROL | ATTR_UNKNOWN | ATTR_USER_DEFINED)) return utf8.encode(text);
  if (attr & ATTR_NORMAL) return vocab.kind === "bpe" ? decodeByteLevel(text) : utf8.encode(text.replaceAll("▁", " "));
  // "<0xXX>": llama.cpp reads the two characters after "<0x" with strtol (bad digits give 0).
  if (attr & ATTR_BYTE) return Uint8Array.of(parseInt(text.substring(3, 5), 16) || 0);
  return EMPTY; // UNUSED / UNDEFINED tokens render as nothing
}

/** Removes " " before ?!., and around a lone "'", and before 's 'm 're 've (llama.cpp's three passes). */
export function cleanSpaces(t: Uint8Array): Uint8Array {
  const text = Uint8Array.from(t);
  let total = text.length;
  // Pass 1: " ?", " !", " .", " ,"
  let n = total;
  total = n ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = text[i]!;
    if (text[i - 1] === SPACE && (x === 0x3f || x === 0x21 || x === 0x2e || x === 0x2c)) total--;
    text[total++] = x;
  }
  // Pass 2: " ' " → "'"
  n = total;
  total = n ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = text[i]!;
    if (x === 0x27 && i + 1 < n && text[i - 1] === SPACE && text[i + 1] === SPACE) {
      total--;
      text[++i] = 0;
    }
    text[total++] = x;
  }
  // Pass 3: " 's", " 'm", " 're", " 've" (but not " 't", " 'd", " 'll")
  n = total;
  total = n ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = text[i]!;
    if (text[i - 1] === SPACE && x === 0x27 && i + 1 < n) {
      const x1 = text[i + 1]!;
      if (x1 === 0x73 || x1 === 0x6d) total--;
      else if (i + 2 < n) {
        const x2 = text[i + 2]!;
        if ((x1 === 0x72 && x2 === 0x65) || (x1 === 0x76 && x2 === 0x65)) total--;
      }
    }
    text[total++] = x;
  }
  return text.subarray(0, total);
}

/** Whole-sequence detokenization to bytes; `piece` renders one token (renderPiece or a cache of it). */
export function detokenizeBytes(
  vocab: Vocab,
  tokens: readonly number[],
  piece: (token: number) => Uint8Array,
): Uint8Array {
  const pieces: Uint8Array[] = [];
  let size = 0;
  let removeSpace = vocab.addSpacePrefix;
  for (const t of tokens) {
    let p = piece(t);
    if (removeSpace && p.length > 0 && p[0] === SPACE) p = p.subarray(1);
    removeSpace = false;
    pieces.push(p);
    size += p.length;
  }
  let out: Uint8Array = new Uint8Array(size);
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  if (vocab.cleanSpaces) out = cleanSpaces(out);
  return out;
}
