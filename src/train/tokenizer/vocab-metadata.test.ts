import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { renderChat } from "../../chat/template.js";
import { buildLlama3VocabMetadata } from "../../synth/vocab-llama3.js";
import { LLAMA31_CHAT_TEMPLATE } from "../../synth/llama31-chat-template.js";
import { trainBpe } from "./train-bpe.js";
import { trainedVocabMetadata, tokenizerFromVocab } from "./vocab-metadata.js";
import { SeededRandom } from "../../synth/seeded-random.js";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const vocab = trainBpe([readme], { vocabSize: 2048 });
const tk = tokenizerFromVocab(vocab);
const base = vocab.tokens.length - 256;

/** Uniform in (0, 1), seeded (the synthesizer's generator). */
function rng(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.nextFloat();
}

test("the metadata has the real Llama 3.1 vocabulary's keys and value types", () => {
  const ours = trainedVocabMetadata(vocab);
  const real = buildLlama3VocabMetadata().metadata;
  assert.deepEqual(ours.map(([k, e]) => [k, e.type]), real.map(([k, e]) => [k, e.type]));
  const get = (k: string) => ours.find(([key]) => key === k)![1].value;
  assert.equal(get("tokenizer.ggml.model"), "gpt2");
  assert.equal(get("tokenizer.ggml.pre"), "llama-bpe");
  assert.equal(get("tokenizer.chat_template"), LLAMA31_CHAT_TEMPLATE);
  const types = get("tokenizer.ggml.token_type") as Int32Array;
  assert.equal(types[base - 1], 1);
  assert.equal(types[base], 3);
  assert.equal(types[vocab.tokens.length - 1], 3);
  assert.equal(trainedVocabMetadata(vocab, { chatTemplate: "{{ x }}" }).at(-1)![1].value, "{{ x }}");
});

test("specials sit at the end with Llama 3.1's names and ids relative to the base", () => {
  const names = vocab.tokens.slice(base);
  assert.deepEqual(names.slice(0, 11), [
    "<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
    "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
    "<|eom_id|>", "<|eot_id|>", "<|python_tag|>",
  ]);
  assert.equal(names.at(-1), "<|reserved_special_token_247|>");
  assert.equal(tk.bos, base);
  assert.equal(tk.eos, base + 9);
  assert.equal(tk.eot, base + 9);
  assert.equal(tk.eom, base + 8);
  assert.deepEqual([...tk.eogTokens].sort((a, b) => a - b), [base + 1, base + 8, base + 9]);
  assert.deepEqual(tk.encode("hi"), [base, ...tk.encode("hi", { addSpecial: false })]);
});

test("special-token texts become control tokens only with parseSpecial", () => {
  const text = "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>";
  const parsed = tk.encode(text, { addSpecial: false, parseSpecial: true });
  assert.equal(parsed[0], base + 6);
  assert.equal(parsed.at(-1), base + 9);
  const plain = tk.encode(text, { addSpecial: false });
  assert.ok(plain.every((id) => id < base), "user text never yields control ids");
  assert.equal(tk.decode(plain), text);
  assert.equal(tk.decode(parsed, { special: true }), text);
});

test("the Llama 3.1 chat template renders and tokenizes with the trained specials", () => {
  const model = { tokenizer: tk, header: { metadata: new Map(trainedVocabMetadata(vocab)) } };
  const { prompt } = renderChat(model, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hello 🦙!" },
  ]);
  const ids = tk.encode(prompt, { parseSpecial: true });
  assert.equal(ids[0], base);
  assert.equal(ids.filter((id) => id === base + 6).length, 3);
  assert.equal(ids.filter((id) => id === base + 9).length, 2);
  assert.equal(tk.decode(ids, { special: true }), "<|begin_of_text|>" + prompt);
});

test("encode → decode round-trips arbitrary Unicode, emoji and every byte token", () => {
  const fixed = [
    "", " ", "\n\n\t  x", "Hello, world! 1234567", "naïve café Straße", "日本語のテキスト", "👨‍👩‍👧‍👦 🏳️‍🌈 🇯🇵 1️⃣",
    "\u0000\u0001\u007f\u0080\u00ff", "e\u0301 \u200d \ufeff", "I'm you'LL we'd", "\u{10FFFF}\u{E0001}",
  ];
  const r = rng(5);
  const random: string[] = [];
  for (let i = 0; i < 300; i++) {
    let s = "";
    for (let n = Math.floor(r() * 20); n > 0; n--) {
      const k = r();
      const cp = k < 0.4 ? 0x20 + Math.floor(r() * 0x5f) : k < 0.6 ? Math.floor(r() * 0x800) : k < 0.8 ? 0x1f300 + Math.floor(r() * 0x300) : Math.floor(r() * 0x110000);
      s += cp >= 0xd800 && cp <= 0xdfff ? "\ufffd" : String.fromCodePoint(cp);
    }
    random.push(s);
  }
  for (const s of [...fixed, ...random]) {
    const ids = tk.encode(s, { addSpecial: false });
    assert.ok(ids.every((id) => id >= 0 && id < base), JSON.stringify(s));
    assert.equal(tk.decode(ids), s, JSON.stringify(s));
  }
  // Lone surrogates become U+FFFD, as the GGUF tokenizer treats them.
  assert.equal(tk.decode(tk.encode("a\ud800b", { addSpecial: false })), "a\ufffdb");
  // Every byte is one token of its own when nothing merges around it.
  for (let id = 0; id < 256; id++) assert.equal(tk.tokenToPiece(id).length, 1);
});

test("learned merges shorten text the corpus resembles", () => {
  const sample = readme.slice(0, 4000);
  const bytes = new TextEncoder().encode(sample).length;
  assert.ok(bytes / tk.encode(sample, { addSpecial: false }).length > 2.5);
});
