// Per-vocabulary structure for grammar masking, built once per tokenizer: every ordinary token's
// bytes, sorted, with the length each shares with the previous one. Walking the sorted list with
// those common-prefix lengths visits the token trie's nodes once, so one mask computation steps the
// grammar through a shared prefix ("  {", "  {\"") only once and skips a dead prefix's whole subtree.
// Control tokens (<|eot_id|>, <|python_tag|>, …) have no text here: they only match token elements.

import type { Tokenizer } from "../tokenizer/tokenizer.js";

export interface VocabIndex {
  nVocab: number;
  /** Token ids with non-empty text, sorted by their bytes. */
  order: Int32Array;
  /** Bytes shared by order[i] and order[i-1] (0 for i = 0). */
  lcp: Int32Array;
  /** order[i]'s bytes are bytes[offsets[i] .. offsets[i+1]). */
  offsets: Int32Array;
  bytes: Uint8Array;
  maxLen: number;
  /** Per token id: its bytes, or undefined for control / empty tokens. */
  pieces: (Uint8Array | undefined)[];
  eog: Int32Array;
  /** Pieces of up to GREEDY_MAX bytes, as one-character-per-byte strings, for greedyCut. */
  short?: Set<string>;
}

const GREEDY_MAX = 16;
/** Bytes as a string of one character per byte (U+0000..U+00FF). */
function byteString(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

/**
 * A greedy longest-match cut of `bytes` into vocabulary pieces: cost[i] = tokens that spell
 * bytes[i..] (cost[i] = 1 + cost[i + longest piece at i]; a byte without a piece counts one, as a
 * byte token). Such a token sequence exists, so the count is an achievable upper bound.
 */
export function greedyCut(v: VocabIndex, bytes: Uint8Array): Int32Array {
  if (!v.short) {
    v.short = new Set();
    for (const p of v.pieces) if (p && p.length <= GREEDY_MAX) v.short.add(byteString(p));
  }
  const s = byteString(bytes);
  const cost = new Int32Array(s.length + 1);
  for (let i = s.length - 1; i >= 0; i--) {
    let len = Math.min(GREEDY_MAX, s.length - i);
    while (len > 1 && !v.short.has(s.slice(i, i + len))) len--;
    cost[i] = 1 + cost[i + len]!;
  }
  return cost;
}

const cache = new WeakMap<Tokenizer, VocabIndex>();


export function vocabIndex(tokenizer: Tokenizer): VocabIndex {
  let v = cache.get(tokenizer);
  if (v) return v;
  const n = tokenizer.nVocab;
  const pieces: (Uint8Array | undefined)[] = new Array(n);
  const ids: number[] = [];
  for (let t = 0; t < n; t++) {
    if (tokenizer.isControl(t) || tokenizer.eogTokens.has(t)) continue;
    const p = tokenizer.tokenToPiece(t, false);
    // llama.cpp rejects empty pieces and pieces starting with NUL (its strings are NUL-terminated).
    if (p.length === 0 || p[0] === 0) continue;
    pieces[t] = p;
    ids.push(t);
  }
  // Sorted as one-character-per-byte strings: byte order, at the speed of native string comparison.
  const keys: string[] = new Array(n);
  for (const t of ids) keys[t] = byteString(pieces[t]!);
  ids.sort((a, b) => {
    const x = keys[a]!;
    const y = keys[b]!;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  const order = Int32Array.from(ids);
  const lcp = new Int32Array(order.length);
  const offsets = new Int32Array(order.length + 1);
  let total = 0;
  let maxLen = 0;
  for (let i = 0; i < order.length; i++) {
    const p = pieces[order[i]!]!;
    offsets[i] = total;
    total += p.length;
    maxLen = Math.max(maxLen, p.length);
    if (i > 0) {
      const q = pieces[order[i - 1]!]!;
      let k = 0;
      while (k < p.length && k < q.length && p[k] === q[k]) k++;
      lcp[i] = k;
    }
  }
  offsets[order.length] = total;
  const bytes = new Uint8Array(total);
  for (let i = 0; i < order.length; i++) bytes.set(pieces[order[i]!]!, offsets[i]!);
  v = { nVocab: n, order, lcp, offsets, bytes, maxLen, pieces, eog: Int32Array.from(tokenizer.eogTokens) };
  cache.set(tokenizer, v);
  return v;
}
