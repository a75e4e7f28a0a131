import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesToByteLevel } from "../../tokenizer/byte-level.js";
import { splitLlama3 } from "../../tokenizer/pretokenize-llama3.js";
import { byteTokens, LLAMA31_SPECIAL_COUNT, validateTrainedVocab } from "./trained-vocab.js";
import { trainBpe } from "./train-bpe.js";
import { tokenizerFromVocab } from "./vocab-metadata.js";
import { SeededRandom } from "../../synth/seeded-random.js";

/** Uniform in (0, 1), seeded (the synthesizer's generator). */
function rng(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.nextFloat();
}

/** Words from a few syllables, so many pairs tie and merged texts can be reached by two paths. */
function syllableCorpus(seed: number, nWords: number): string {
  const r = rng(seed);
  const syll = ["ab", "ba", "a", "b", "aa", "bab", "abc", "c", "ca", "é", "日本", "🦙", "an", "na", "ana"];
  const sep = [" ", " ", " ", ", ", ". ", "\n", "  ", "! ", " 12", " 345 "];
  let s = "";
  for (let i = 0; i < nWords; i++) {
    const n = 1 + Math.floor(r() * 4);
    for (let k = 0; k < n; k++) s += syll[Math.floor(r() * syll.length)];
    s += sep[Math.floor(r() * sep.length)];
  }
  return s;
}

/** Textbook BPE: recount every pair each round, merge the best (count, then texts) left to right. */
function referenceMerges(texts: string[], vocabSize: number, minFrequency = 2): { merges: string[]; tokens: string[] } {
  const utf8 = new TextEncoder();
  const words: { syms: string[]; f: number }[] = [];
  const freq = new Map<string, number>();
  for (const t of texts) for (const w of splitLlama3(t)) freq.set(w, (freq.get(w) ?? 0) + 1);
  for (const [w, f] of freq) words.push({ syms: [...bytesToByteLevel(utf8.encode(w))], f });
  const tokens = byteTokens();
  const have = new Set(tokens);
  const merges: string[] = [];
  while (tokens.length < vocabSize - LLAMA31_SPECIAL_COUNT) {
    const counts = new Map<string, { l: string; r: string; n: number }>();
    for (const { syms, f } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = `${syms[i]}\u0000${syms[i + 1]}`;
        const e = counts.get(k) ?? { l: syms[i]!, r: syms[i + 1]!, n: 0 };
        e.n += f;
        counts.set(k, e);
      }
    }
    let best: { l: string; r: string; n: number } | undefined;
    for (const e of counts.values()) {
      if (!best || e.n > best.n || (e.n === best.n && (e.l < best.l || (e.l === best.l && e.r < best.r)))) best = e;
    }
    if (!best || best.n < minFrequency) break;
    merges.push(`${best.l} ${best.r}`);
    if (!have.has(best.l + best.r)) {
      have.add(best.l + best.r);
      tokens.push(best.l + best.r);
    }
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === best.l && w.syms[i + 1] === best.r) out.push(w.syms[i++]! + w.syms[i]!);
        else out.push(w.syms[i]!);
      }
      w.syms = out;
    }
  }
  return { merges, tokens };
}

test("merges and tokens are what a brute-force trainer picks (ties, overlaps, repeated texts)", () => {
  for (const seed of [1, 2, 3]) {
    const texts = [syllableCorpus(seed, 600), "aaaaaaa aaaa aaa bbbbbb ababab"];
    const v = trainBpe(texts, { vocabSize: 512 + 120 });
    const ref = referenceMerges(texts, 512 + 120);
    assert.deepEqual(v.merges, ref.merges, `seed ${seed}`);
    assert.deepEqual(v.tokens.slice(0, -LLAMA31_SPECIAL_COUNT), ref.tokens, `seed ${seed}`);
    validateTrainedVocab(v);
  }
});

test("training stops when no pair reaches minFrequency", () => {
  const texts = ["hello hello hello world"];
  const v = trainBpe(texts, { vocabSize: 4096, minFrequency: 3 });
  assert.deepEqual(v.merges, referenceMerges(texts, 4096, 3).merges);
  assert.ok(v.merges.length > 0 && v.tokens.length < 4096);
  assert.ok(v.tokens.includes("hello") && !v.tokens.includes("Ġhello"));
  assert.ok(!v.tokens.some((t) => t.includes("world")));
  // With minFrequency 1 even the single "world" merges.
  assert.ok(trainBpe(texts, { vocabSize: 4096, minFrequency: 1 }).tokens.includes("Ġworld"));
});

test("the vocabulary size counts bytes, merges and the 256 specials", () => {
  const v = trainBpe([syllableCorpus(7, 3000)], { vocabSize: 700 });
  assert.equal(v.tokens.length, 700);
  assert.equal(v.nSpecial, 256);
  assert.equal(new Set(v.tokens).size, 700);
  assert.deepEqual(v.tokens.slice(0, 256), byteTokens());
  assert.equal(v.tokens[0], "!");
  assert.equal(v.tokens[198], "Ċ");
  assert.deepEqual(trainBpe([], { vocabSize: 512 }).tokens.length, 512);
});

test("bad options are refused with the option named", () => {
  assert.throws(() => trainBpe(["x"], { vocabSize: 511 }), /vocabSize must be an integer from 512/);
  assert.throws(() => trainBpe(["x"], { vocabSize: 1000.5 }), /vocabSize/);
  assert.throws(() => trainBpe(["x"], { vocabSize: 1000, minFrequency: 0 }), /minFrequency/);
  assert.throws(() => trainBpe([42 as unknown as string], { vocabSize: 1000 }), /takes strings/);
});

test("progress reports every merge up to the total", () => {
  const seen: [number, number][] = [];
  trainBpe([syllableCorpus(4, 500)], { vocabSize: 600, onProgress: (m, t) => seen.push([m, t]) });
  assert.deepEqual(seen[0], [0, 88]);
  assert.deepEqual(seen.at(-1), [88, 88]);
});

test("splitDigits: no token holds two digits, numbers encode digit by digit", () => {
  const r = rng(9);
  let text = "";
  for (let i = 0; i < 3000; i++) text += `item ${Math.floor(r() * 1000)} costs ${Math.floor(r() * 100)}.${Math.floor(r() * 100)} and ١٢٣ ²³ `;
  const digits = /\p{N}.*\p{N}/u;
  const plain = trainBpe([text], { vocabSize: 1024 });
  const decodeText = (t: string) => new TextDecoder().decode(tokenizerFromVocab(plain).tokenToPiece(plain.tokens.indexOf(t)));
  assert.ok(plain.tokens.some((t) => digits.test(decodeText(t))), "without splitDigits numbers do merge");

  const split = trainBpe([text], { vocabSize: 1024, splitDigits: true });
  const tk = tokenizerFromVocab(split);
  for (let id = 0; id < split.tokens.length - split.nSpecial; id++) {
    const piece = new TextDecoder().decode(tk.tokenToPiece(id));
    assert.ok(!digits.test(piece), `token ${id} ${JSON.stringify(piece)} holds two digits`);
  }
  const ids = tk.encode("1234567 ١٢٣", { addSpecial: false });
  assert.deepEqual(ids.map((id) => tk.decode([id])), ["1", "2", "3", "4", "5", "6", "7", " ", "١", "٢", "٣"]);
  // Multi-byte digits still become one token each: their own bytes merge.
  assert.ok(split.tokens.includes(bytesToByteLevel(new TextEncoder().encode("١"))));
});
