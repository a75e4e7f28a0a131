// Byte-level BPE (Llama 3, tokenizer.ggml.model "gpt2"): pre-tokenize, map each word's UTF-8 bytes
// to the GPT-2 byte alphabet, then merge adjacent symbols lowest rank first (leftmost on ties).
// With ignore_merges a word that is already a vocabulary entry is emitted whole.
// Reference: llama.cpp src/llama-vocab.cpp `llm_tokenizer_bpe_session::tokenize`.

import { bytesToByteLevel } from "./byte-level.js";
import { MinHeap } from "./heap.js";
import { splitLlama3 } from "./pretokenize-llama3.js";
import type { Vocab } from "./vocab.js";

interface Bigram {
  left: number;
  right: number;
  rank: number;
  /** Combined length when queued; a different length later means the entry is stale. */
  size: number;
}

const bigramFirst = (a: Bigram, b: Bigram): boolean => a.rank < b.rank || (a.rank === b.rank && a.left < b.left);

/** Words up to this length are cached, and the cache is dropped when it reaches CACHE_MAX entries. */
const CACHE_WORD_MAX = 256;
const CACHE_MAX = 65536;

const utf8 = new TextEncoder();

export class BpeEncoder {
  /** Merge string "left right" → rank; duplicates keep the first rank (llama.cpp `emplace`). */
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, readonly number[]>();

  constructor(private readonly vocab: Vocab) {
    const merges = vocab.merges;
    for (let i = 0; i < merges.length; i++) {
      const m = merges[i]!;
      // llama.cpp splits at the first space at index >= 1; merges without one never match a pair.
      if (m.indexOf(" ", 1) < 0 || this.ranks.has(m)) continue;
      this.ranks.set(m, i);
    }
  }

  /** Tokenizes one raw-text fragment (no special tokens in it), appending ids to `out`. */
  encodeFragment(text: string, out: number[]): void {
    for (const word of splitLlama3(text)) {
      const hit = this.cache.get(word);
      if (hit) {
        for (const id of hit) out.push(id);
        continue;
      }
      const ids: number[] = [];
      this.encodeWord(bytesToByteLevel(utf8.encode(word)), ids);
      if (word.length <= CACHE_WORD_MAX) {
        if (this.cache.size >= CACHE_MAX) this.cache.clear();
        this.cache.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  private rank(left: string, right: string): number {
    // A pair whose left side has a space past index 0 cannot come from a split merge string.
    if (left.indexOf(" ", 1) >= 0) return -1;
    return this.ranks.get(left + " " + right) ?? -1;
  }

  /** BPE over one byte-level word (every character is one initial symbol). */
  private encodeWord(word: string, out: number[]): void {
    const ids = this.vocab.ids;
    if (this.vocab.ignoreMerges) {
      const whole = ids.get(word);
      if (whole !== undefined) {
        out.push(whole);
        return;
      }
    }
    const n = word.length;
    if (n === 0) return;
    // Symbol i starts at character i; merging keeps the left symbol and empties the right one.
    const len = new Int32Array(n).fill(1);
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const heap = new MinHeap<Bigram>(bigramFirst);
    const tryAdd = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const r = this.rank(word.substr(left, len[left]!), word.substr(right, len[right]!));
      if (r >= 0) heap.push({ left, right, rank: r, size: len[left]! + len[right]! });
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

    for (let i = 0; i >= 0; i = next[i]!) {
      const sym = word.substr(i, len[i]!);
      const id = ids.get(sym);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      // llama.cpp falls back to one token per UTF-8 byte of the symbol, looked up as a one-byte
      // string; only ASCII bytes can form such a string, the rest are dropped as it drops them.
      for (const byte of utf8.encode(sym)) {
        const byteId = byte < 0x80 ? ids.get(String.fromCharCode(byte)) : undefined;
        if (byteId !== undefined) out.push(byteId);
      }
    }
  }
}
