// SentencePiece-style tokenizer (Llama 1/2, tokenizer.ggml.model "llama"): spaces become "▁", the
// text starts as one symbol per character, and adjacent symbols whose concatenation is a vocabulary
// entry merge highest score first (leftmost on ties). Symbols left without a token fall back to
// <0xXX> byte tokens. Reference: llama.cpp src/llama-vocab.cpp `llm_tokenizer_spm_session`.

import { MinHeap } from "./heap.js";
import type { Vocab } from "./vocab.js";

interface Bigram {
  left: number;
  right: number;
  score: number;
  size: number;
}

const bigramFirst = (a: Bigram, b: Bigram): boolean => a.score > b.score || (a.score === b.score && a.left < b.left);

const utf8 = new TextEncoder();

export class SpmEncoder {
  /** Token for each byte: "<0xXX>", else the one-character string, else -1. */
  private readonly byteTokens = new Int32Array(256).fill(-1);

  constructor(private readonly vocab: Vocab) {
    for (let b = 0; b < 256; b++) {
      const hex = b.toString(16).toUpperCase().padStart(2, "0");
      this.byteTokens[b] = vocab.ids.get(`<0x${hex}>`) ?? (b < 0x80 ? vocab.ids.get(String.fromCharCode(b)) : undefined) ?? -1;
    }
  }

  /** Tokenizes one fragment whose spaces are already escaped to "▁", appending ids to `out`. */
  encodeEscaped(text: string, out: number[]): void {
    const { ids, scores } = this.vocab;
    // Symbols are code points; symbol i starts at UTF-16 offset start[i].
    const start: number[] = [];
    for (let i = 0; i < text.length; i += text.codePointAt(i)! > 0xffff ? 2 : 1) start.push(i);
    const n = start.length;
    if (n === 0) return;
    const len = new Int32Array(n);
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      len[i] = (i + 1 < n ? start[i + 1]! : text.length) - start[i]!;
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }

    const heap = new MinHeap<Bigram>(bigramFirst);
    const tryAdd = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const size = len[left]! + len[right]!;
      const id = ids.get(text.substr(start[left]!, size));
      if (id === undefined) return;
      heap.push({ left, right, score: scores ? scores[id]! : 0, size });
    };
    for (let i = 1; i < n; i++) tryAdd(i - 1, i);

    for (let b = heap.pop(); b !== undefined; b = heap.pop()) {
      const { left, right } = b;
      if (len[left] === 0 || len[right] === 0 || len[left]! + len[right]! !== b.size) continue;
      len[left]! += len[right]!;
      len[right] = 0;
      next[left] = next[right]!;
      if (next[right]! >= 0) prev[next[right]!] = left;
      tryAdd(prev[left]!, left);
      tryAdd(left, next[left]!);
    }

    // Every merged symbol is a vocabulary entry by construction, so llama.cpp's "resegment through
    // rev_merge" branch never fires; unmatched symbols are single characters and go to bytes.
    for (let i = 0; i >= 0; i = next[i]!) {
      const sym = text.substr(start[i]!, len[i]!);
      const id = ids.get(sym);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (const byte of utf8.encode(sym)) {
        const byteId = this.byteTokens[byte]!;
        if (byteId < 0) throw new Error(`Vocabulary has no byte token for 0x${byte.toString(16).padStart(2, "0")}`);
        out.push(byteId);
      }
    }
  }
}
