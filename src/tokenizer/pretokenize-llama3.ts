// The Llama 3 pre-tokenizer as llama.cpp runs it: a hand-written matcher for
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// with llama.cpp's own letter/number/whitespace tables (unicode-flags.ts), so edge cases follow
// llama.cpp rather than the JS regex engine. Reference: llama.cpp src/unicode.cpp
// `unicode_regex_split_custom_llama3`.

import { FLAG_LETTER, FLAG_NUMBER, FLAG_WHITESPACE, codepointFlagTable } from "./unicode-flags.js";

/** Set on every in-range position: llama.cpp's "flags != 0" test means "not past the end". */
const IN_RANGE = 0x80;
const OUT_OF_RANGE = -1;
const CR = 0x0d;
const LF = 0x0a;

/** ASCII lowering is exact here: no non-ASCII code point lowercases to the contraction letters. */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/**
 * Splits well-formed text (no lone surrogates) into pre-tokens. Every code point lands in exactly
 * one piece, so the pieces concatenate back to the input.
 */
export function splitLlama3(text: string): string[] {
  const table = codepointFlagTable();
  const n = text.length;
  // Code points and their UTF-16 start offsets (offs[count] = n closes the last one).
  const cps = new Int32Array(n);
  const offs = new Int32Array(n + 1);
  let count = 0;
  for (let i = 0; i < n; ) {
    const c = text.codePointAt(i)!;
    cps[count] = c;
    offs[count++] = i;
    i += c > 0xffff ? 2 : 1;
  }
  offs[count] = n;

  const cpt = (pos: number): number => (pos < count ? cps[pos]! : OUT_OF_RANGE);
  const flags = (pos: number): number => (pos < count ? table[cps[pos]!]! | IN_RANGE : 0);

  const out: string[] = [];
  let prevEnd = 0;
  const add = (end: number): void => {
    if (end > prevEnd) out.push(text.slice(offs[prevEnd]!, offs[end]!));
    prevEnd = end;
  };

  let pos = 0;
  while (pos < count) {
    const c = cps[pos]!;
    const f = flags(pos);

    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (c === 0x27 && pos + 1 < count) {
      const c1 = lower(cps[pos + 1]!);
      if (c1 === 0x73 || c1 === 0x74 || c1 === 0x6d || c1 === 0x64) {
        add((pos += 2));
        continue;
      }
      if (pos + 2 < count) {
        const c2 = lower(cps[pos + 2]!);
        if ((c1 === 0x72 && c2 === 0x65) || (c1 === 0x76 && c2 === 0x65) || (c1 === 0x6c && c2 === 0x6c)) {
          add((pos += 3));
          continue;
        }
      }
    }

    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!(c === CR || c === LF || f & FLAG_NUMBER)) {
      if (f & FLAG_LETTER || flags(pos + 1) & FLAG_LETTER) {
        pos++;
        while (flags(pos) & FLAG_LETTER) pos++;
        add(pos);
        continue;
      }
    }

    // \p{N}{1,3}
    if (f & FLAG_NUMBER) {
      let ini = pos;
      while (flags(pos) & FLAG_NUMBER) {
        if (++pos - ini >= 3) {
          add(pos);
          ini = pos;
        }
      }
      add(pos);
      continue;
    }

    // <space>?[^\s\p{L}\p{N}]+[\r\n]*
    const CLASS = FLAG_WHITESPACE | FLAG_LETTER | FLAG_NUMBER;
    let f2 = c === 0x20 ? flags(pos + 1) : f;
    if (!(f2 & CLASS) && f & IN_RANGE) {
      if (c === 0x20) pos++;
      while (!(f2 & CLASS) && f2 & IN_RANGE) f2 = flags(++pos);
      let c2 = cpt(pos);
      while (c2 === CR || c2 === LF) c2 = cpt(++pos);
      add(pos);
      continue;
    }

    let nWhitespace = 0;
    let lastEndOfLine = 0;
    while (flags(pos + nWhitespace) & FLAG_WHITESPACE) {
      const c2 = cps[pos + nWhitespace]!;
      if (c2 === CR || c2 === LF) lastEndOfLine = pos + nWhitespace + 1;
      nWhitespace++;
    }
    // \s*[\r\n]+
    if (lastEndOfLine > 0) {
      add((pos = lastEndOfLine));
      continue;
    }
    // \s+(?!\S): leave the last whitespace to prefix the next word
    if (nWhitespace > 1 && pos + nWhitespace < count) {
      add((pos += nWhitespace - 1));
      continue;
    }
    // \s+
    if (nWhitespace > 0) {
      add((pos += nWhitespace));
      continue;
    }
    add(++pos);
  }
  return out;
}
