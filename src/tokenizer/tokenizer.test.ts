import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { UnsupportedError } from "../errors.js";
import { md } from "../gguf/metadata.js";
import type { GgufMetadata } from "../gguf/types.js";
import { buildVocabMetadata } from "../synth/vocab.js";
import { Tokenizer } from "./tokenizer.js";

const llama3Meta: GgufMetadata = new Map(buildVocabMetadata("llama3").metadata);
const tok = Tokenizer.fromMetadata(llama3Meta);

/** llama.cpp's test-tokenizer-0 format: inputs split by "\n__ggml_vocab_test__\n", one output line each. */
function readVectors(): { text: string; ids: number[] }[] {
  const fixtures = new URL("../../test/fixtures/", import.meta.url);
  const raw = readFileSync(new URL("llama-bpe-vectors.inp", fixtures), "utf8");
  const outs = readFileSync(new URL("llama-bpe-vectors.out", fixtures), "utf8").split("\n");
  const sep = "\n__ggml_vocab_test__\n";
  const inputs: string[] = [];
  for (let pos = 0; pos < raw.length; ) {
    const next = raw.indexOf(sep, pos);
    inputs.push(raw.slice(pos, next < 0 ? raw.length : next));
    if (next < 0) break;
    pos = next + sep.length;
  }
  return inputs.map((text, i) => ({ text, ids: outs[i]!.trim() === "" ? [] : outs[i]!.trim().split(" ").map(Number) }));
}

test("llama.cpp llama-bpe vectors match exactly (no BOS)", () => {
  const vectors = readVectors();
  assert.equal(vectors.length, 46);
  for (const { text, ids } of vectors) assert.deepEqual(tok.encode(text, { addSpecial: false }), ids, JSON.stringify(text));
});

test("Hello world with and without BOS", () => {
  assert.deepEqual(tok.encode("Hello world"), [128000, 9906, 1917]);
  assert.deepEqual(tok.encode("Hello world", { addSpecial: false }), [9906, 1917]);
  assert.deepEqual(tok.encode(""), [128000]);
  assert.deepEqual(tok.encode("", { addSpecial: false }), []);
});

test("parseSpecial decides whether special-token text becomes control tokens", () => {
  const plain = tok.encode("<|eot_id|>", { addSpecial: false });
  assert.ok(plain.length > 1 && !plain.includes(128009));
  assert.equal(tok.decode(plain), "<|eot_id|>");
  assert.deepEqual(tok.encode("<|eot_id|>", { addSpecial: false, parseSpecial: true }), [128009]);
  assert.deepEqual(
    tok.encode("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", { parseSpecial: true }),
    [128000, 128006, 882, 128007, 271, 13347, 128009],
  );
  // A partial special token stays text.
  assert.ok(!tok.encode("<|eot", { addSpecial: false, parseSpecial: true }).some((t) => t >= 128000));
});

test("decode round trips text and hides control tokens unless asked", () => {
  for (const s of ["Hello world", "  leading spaces", "tabs\tand\nnewlines\r\n", "naïve café 日本語 🦙👨‍👩‍👧", "x = f(1, 2) + 3;"]) {
    assert.equal(tok.decode(tok.encode(s)), s);
  }
  const ids = tok.encode("<|start_header_id|>user<|end_header_id|>", { parseSpecial: true });
  assert.equal(tok.decode(ids), "user");
  assert.equal(tok.decode(ids, { special: true }), "<|begin_of_text|><|start_header_id|>user<|end_header_id|>");
  // clean_spaces (HF clean_up_tokenization_spaces) as llama_detokenize applies it for llama-bpe.
  assert.equal(tok.decode([128000, 15339, 758]), "hello!");
  // Lone surrogates are U+FFFD before tokenizing, as in the UTF-8 conversion in front of llama.cpp.
  assert.equal(tok.decode(tok.encode("a\uD800b")), "a\uFFFDb");
});

test("special ids, EOG set and Llama 3.1 special-token names", () => {
  assert.equal(tok.nVocab, 128256);
  assert.equal(tok.bos, 128000);
  assert.equal(tok.eos, 128009);
  assert.equal(tok.eot, 128009);
  assert.equal(tok.eom, 128008);
  assert.equal(tok.addBos, true);
  assert.equal(tok.addEos, false);
  assert.deepEqual([...tok.eogTokens].sort(), [128001, 128008, 128009]);
  const names: [number, string][] = [
    [128002, "<|reserved_special_token_0|>"], [128003, "<|reserved_special_token_1|>"], [128004, "<|finetune_right_pad_id|>"],
    [128005, "<|reserved_special_token_2|>"], [128008, "<|eom_id|>"], [128010, "<|python_tag|>"],
    [128011, "<|reserved_special_token_3|>"], [128255, "<|reserved_special_token_247|>"],
  ];
  for (const [id, text] of names) {
    assert.equal(tok.tokenText(id), text);
    assert.ok(tok.isControl(id));
  }
  assert.ok(!tok.isControl(9906));
  assert.equal(tok.tokenText(1917), "Ġworld");
  assert.deepEqual(tok.tokenToPiece(1917), new TextEncoder().encode(" world"));
  assert.equal(tok.tokenToPiece(128009).length, 0);
  assert.deepEqual(tok.tokenToPiece(128009, true), new TextEncoder().encode("<|eot_id|>"));
});

test("eot/eom are detected by text when the file has no id keys (as in real Llama 3.1 GGUFs)", () => {
  const m = new Map(llama3Meta);
  m.delete("tokenizer.ggml.eot_token_id");
  m.delete("tokenizer.ggml.eom_token_id");
  const t = Tokenizer.fromMetadata(m);
  assert.equal(t.eot, 128009);
  assert.equal(t.eom, 128008);
  assert.deepEqual([...t.eogTokens].sort(), [128001, 128008, 128009]);
});

test("unsupported tokenizers are refused with UnsupportedError naming them", () => {
  const withKey = (key: string, value: string): GgufMetadata => new Map(llama3Meta).set(key, md.string(value));
  assert.throws(() => Tokenizer.fromMetadata(withKey("tokenizer.ggml.model", "bert")), (e: unknown) => e instanceof UnsupportedError && /"bert"/.test(e.message));
  assert.throws(() => Tokenizer.fromMetadata(withKey("tokenizer.ggml.pre", "qwen2")), (e: unknown) => e instanceof UnsupportedError && /"qwen2"/.test(e.message));
  const noPre = new Map(llama3Meta);
  noPre.delete("tokenizer.ggml.pre");
  assert.throws(() => Tokenizer.fromMetadata(noPre), (e: unknown) => e instanceof UnsupportedError && /"default"/.test(e.message));
  // llama.cpp's aliases for the same pre-tokenizer are accepted.
  assert.deepEqual(Tokenizer.fromMetadata(withKey("tokenizer.ggml.pre", "llama3")).encode("Hi"), [128000, 13347]);
});

test("encoding 10 KB of English text takes a few milliseconds", () => {
  const para =
    "The quick brown fox jumps over the lazy dog. It's a well-known pangram, used since the 1880s to test typewriters " +
    "and fonts; today it also exercises tokenizers, which split text into words, numbers (like 3.14159 or 2,048) and punctuation.\n";
  const text = para.repeat(Math.ceil(10240 / para.length)).slice(0, 10240);
  tok.encode(text); // warm the word cache, as a real prompt stream would
  const fresh = text.replaceAll("fox", "cat"); // and change some words
  const t0 = performance.now();
  const ids = tok.encode(fresh);
  const ms = performance.now() - t0;
  assert.ok(ids.length > 1500);
  assert.ok(ms < 50, `encode took ${ms.toFixed(1)} ms`);
});
