// Trains a byte-level BPE vocabulary the engine's Llama 3 tokenizer (and llama.cpp) can load:
// texts are cut by the Llama 3 pre-tokenizer, each piece's UTF-8 bytes become GPT-2 byte-alphabet
// symbols, and the most frequent adjacent symbol pair is merged until the vocabulary is full.
// Pair counts are kept up to date incrementally (only the words that hold the merged pair are
// touched), with a lazily corrected max-heap of candidate pairs, as Hugging Face tokenizers does.

import { bytesToByteLevel } from "../../tokenizer/byte-level.js";
import { MinHeap } from "../../tokenizer/heap.js";
import { splitLlama3 } from "../../tokenizer/pretokenize-llama3.js";
import { codepointFlags, FLAG_NUMBER } from "../../tokenizer/unicode-flags.js";
import { byteTokens, LLAMA31_SPECIAL_COUNT, llama31SpecialTokens, type TrainedVocab } from "./trained-vocab.js";

export type { TrainedVocab } from "./trained-vocab.js";

export interface TrainBpeOptions {
  /** Total vocabulary: 256 byte tokens + merged tokens + 256 special tokens; at least 512. */
  vocabSize: number;
  /** Never merge two digit characters, so numbers are tokenized one digit per token. */
  splitDigits?: boolean;
  /** Stop early (a smaller vocabulary) once no pair occurs at least this often; default 2. */
  minFrequency?: number;
  /** Called after every merge with the merged tokens so far and the number wanted. */
  onProgress?: (merges: number, total: number) => void;
}

/** Pair keys pack two symbol ids into one number; ids stay below 2^21. */
const ID_LIMIT = 1 << 21;
export const MAX_VOCAB_SIZE = ID_LIMIT;

interface Candidate {
  left: number;
  right: number;
  count: number;
}

const utf8 = new TextEncoder();

/** Lone surrogates → U+FFFD, as the tokenizer does before pre-tokenizing. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** Pre-token → frequency. With splitDigits a number piece counts as its separate code points. */
function countWords(texts: Iterable<string>, splitDigits: boolean): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (w: string): void => {
    counts.set(w, (counts.get(w) ?? 0) + 1);
  };
  for (const text of texts) {
    if (typeof text !== "string") throw new TypeError(`trainBpe takes strings, got ${typeof text}`);
    for (const piece of splitLlama3(wellFormed(text))) {
      // The Llama 3 split keeps \p{N} runs apart from everything else, so a piece that starts with
      // a number is all numbers.
      if (splitDigits && codepointFlags(piece.codePointAt(0)!) & FLAG_NUMBER) {
        for (const cp of piece) add(cp);
      } else add(piece);
    }
  }
  return counts;
}

function checkOptions(opts: TrainBpeOptions): { vocabSize: number; minFrequency: number } {
  const { vocabSize, minFrequency = 2 } = opts;
  const min = 256 + LLAMA31_SPECIAL_COUNT;
  if (!Number.isInteger(vocabSize) || vocabSize < min || vocabSize > MAX_VOCAB_SIZE) {
    throw new RangeError(`vocabSize must be an integer from ${min} (256 bytes + ${LLAMA31_SPECIAL_COUNT} specials) to ${MAX_VOCAB_SIZE}, got ${vocabSize}`);
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new RangeError(`minFrequency must be a positive integer, got ${minFrequency}`);
  return { vocabSize, minFrequency };
}

export function trainBpe(texts: Iterable<string>, opts: TrainBpeOptions): TrainedVocab {
  const { vocabSize, minFrequency } = checkOptions(opts);
  const wordCounts = countWords(texts, opts.splitDigits ?? false);

  const tokens = byteTokens();
  const idOf = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const merges: string[] = [];
  const wanted = vocabSize - LLAMA31_SPECIAL_COUNT;
  const total = wanted - 256;

  // Words of two or more symbols, as symbol-id arrays that merges rewrite in place.
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [word, f] of wordCounts) {
    const s = bytesToByteLevel(utf8.encode(word));
    if (s.length < 2) continue;
    words.push(Array.from(s, (ch) => idOf.get(ch)!));
    freqs.push(f);
  }

  const counts = new Map<number, number>();
  /** Pair → words that held it at some point (may repeat or be stale; the merge step re-checks). */
  const where = new Map<number, number[]>();
  const grown = new Set<number>();
  let current = -1; // the word being rewritten, for `change`
  const change = (left: number, right: number, delta: number): void => {
    const key = left * ID_LIMIT + right;
    const count = (counts.get(key) ?? 0) + delta;
    if (count > 0) counts.set(key, count);
    else {
      counts.delete(key);
      where.delete(key);
    }
    if (delta > 0) {
      grown.add(key);
      const list = where.get(key);
      if (list) list.push(current);
      else where.set(key, [current]);
    }
  };
  for (let w = 0; w < words.length; w++) {
    current = w;
    const s = words[w]!;
    for (let i = 0; i + 1 < s.length; i++) change(s[i]!, s[i + 1]!, freqs[w]!);
  }

  // Most frequent first; ties go to the lexicographically smaller (left, right) texts.
  const heap = new MinHeap<Candidate>((x, y) => {
    if (x.count !== y.count) return x.count > y.count;
    const [xl, yl] = [tokens[x.left]!, tokens[y.left]!];
    if (xl !== yl) return xl < yl;
    return tokens[x.right]! < tokens[y.right]!;
  });
  const pushGrown = (): void => {
    for (const key of grown) {
      const count = counts.get(key) ?? 0;
      if (count >= minFrequency) heap.push({ left: Math.floor(key / ID_LIMIT), right: key % ID_LIMIT, count });
    }
    grown.clear();
  };
  pushGrown();

  const seen = new Int32Array(words.length).fill(-1);
  opts.onProgress?.(0, total);
  while (tokens.length < wanted) {
    const best = heap.pop();
    if (best === undefined) break;
    const { left: a, right: b } = best;
    const key = a * ID_LIMIT + b;
    const count = counts.get(key) ?? 0;
    // Counts of existing pairs only fall, so an entry above the live count is stale: requeue it.
    if (count !== best.count) {
      if (count >= minFrequency) heap.push({ left: a, right: b, count });
      continue;
    }
    const merged = tokens[a]! + tokens[b]!;
    let c = idOf.get(merged);
    // Another pair may already have produced the same text; the merge is still needed to reach it.
    if (c === undefined) {
      c = tokens.push(merged) - 1;
      idOf.set(merged, c);
    }
    merges.push(`${tokens[a]} ${tokens[b]}`);
    const step = merges.length;

    for (const w of where.get(key)!) {
      if (seen[w] === step) continue;
      seen[w] = step;
      current = w;
      const s = words[w]!;
      const f = freqs[w]!;
      let j = 0;
      for (let i = 0; i < s.length; ) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          // Neighbours see the new symbol; the merged pair itself is dropped as a whole below.
          if (j > 0) {
            const prev = s[j - 1]!;
            if (prev * ID_LIMIT + a !== key) change(prev, a, -f);
            change(prev, c, f);
          }
          if (i + 2 < s.length) {
            const next = s[i + 2]!;
            if (b * ID_LIMIT + next !== key) change(b, next, -f);
            change(c, next, f);
          }
          s[j++] = c;
          i += 2;
        } else s[j++] = s[i++]!;
      }
      s.length = j;
    }
    counts.delete(key);
    where.delete(key);
    pushGrown();
    opts.onProgress?.(tokens.length - 256, total);
  }

  tokens.push(...llama31SpecialTokens());
  return { tokens, merges, nSpecial: LLAMA31_SPECIAL_COUNT };
}
