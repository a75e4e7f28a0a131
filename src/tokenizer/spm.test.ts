import assert from "node:assert/strict";
import { test } from "node:test";
import { metaStringArray } from "../gguf/metadata.js";
import { buildVocabMetadata } from "../synth/vocab.js";
import { Tokenizer } from "./tokenizer.js";

const meta = new Map(buildVocabMetadata("spm").metadata);
const tok = Tokenizer.fromMetadata(meta);
const texts = metaStringArray(meta, "tokenizer.ggml.tokens")!;
const id = (text: string): number => {
  const i = texts.indexOf(text);
  assert.ok(i >= 0, `no piece ${JSON.stringify(text)}`);
  return i;
};
const byteToken = (b: number): number => 3 + b;

test("SentencePiece vocabulary: Llama 2 layout and specials", () => {
  assert.equal(tok.nVocab, 32000);
  assert.deepEqual([tok.bos, tok.eos, tok.addBos, tok.addEos], [1, 2, true, false]);
  assert.deepEqual([...tok.eogTokens], [2]);
  assert.equal(tok.tokenText(3 + 0x0a), "<0x0A>");
  assert.deepEqual(tok.encode("Hello world"), [1, id("▁Hello"), id("▁world")]);
});

test("space prefix: added to the text start and after every special token", () => {
  assert.deepEqual(tok.encode("hi", { addSpecial: false }), [id("▁hi")]);
  assert.deepEqual(tok.encode("<s>hi", { addSpecial: false, parseSpecial: true }), [1, id("▁hi")]);
  assert.deepEqual(tok.encode("hi</s>hi", { addSpecial: false, parseSpecial: true }), [id("▁hi"), 2, id("▁hi")]);
  // Without parseSpecial "</s>" is ordinary text.
  assert.ok(!tok.encode("hi</s>", { addSpecial: false }).includes(2));
});

test("byte fallback for characters without a piece", () => {
  assert.deepEqual(tok.encode("\n", { addSpecial: false }), [id("▁"), byteToken(0x0a)]);
  const llama = [...new TextEncoder().encode("🦙")].map(byteToken);
  assert.deepEqual(tok.encode("🦙", { addSpecial: false }), [id("▁"), ...llama]);
  assert.equal(tok.decode(tok.encode("a🦙\nb", { addSpecial: false })), "a🦙\nb");
});

test("decode drops the leading space of the first piece only", () => {
  assert.equal(tok.decode([id("▁hi"), id("▁hi")]), "hi hi");
  // llama_detokenize (remove_special = false): a leading BOS renders as nothing and the space stays.
  assert.equal(tok.decode([1, id("▁hi")]), " hi");
  assert.equal(tok.decode([1, id("▁hi")], { special: true }), "<s> hi");
  assert.equal(tok.decode(tok.encode("  two spaces", { addSpecial: false })), "  two spaces");
  assert.equal(tok.decode(tok.encode("  two spaces")), "   two spaces"); // with BOS: the prefix space stays
});

test("bytes vocabulary: everything but spaces falls back to bytes, and text round trips", () => {
  const bytes = Tokenizer.fromMetadata(new Map(buildVocabMetadata("bytes").metadata));
  assert.equal(bytes.nVocab, 260);
  assert.deepEqual(bytes.encode("Hi you", { addSpecial: false }), [259, byteToken(0x48), byteToken(0x69), 259, byteToken(0x79), byteToken(0x6f), byteToken(0x75)]);
  for (const s of ["Hi you", "naïve 🦙\n\tx", ""]) assert.equal(bytes.decode(bytes.encode(s, { addSpecial: false })), s);
});
