import assert from "node:assert/strict";
import { test } from "node:test";
import { metaBool, metaFloat32Array, metaInt32Array, metaNumber, metaString, metaStringArray } from "../gguf/metadata.js";
import { LLAMA31_CHAT_TEMPLATE } from "./llama31-chat-template.js";
import { buildVocabMetadata } from "./vocab.js";

test("llama3: the real Llama 3.1 vocabulary, built in under 2 s", () => {
  const t0 = performance.now();
  const v = buildVocabMetadata("llama3");
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `build took ${ms.toFixed(0)} ms`);
  const m = new Map(v.metadata);
  assert.equal(v.nVocab, 128256);
  assert.equal(metaString(m, "tokenizer.ggml.model"), "gpt2");
  assert.equal(metaString(m, "tokenizer.ggml.pre"), "llama-bpe");
  const tokens = metaStringArray(m, "tokenizer.ggml.tokens")!;
  const types = metaInt32Array(m, "tokenizer.ggml.token_type")!;
  assert.equal(tokens.length, 128256);
  assert.equal(new Set(tokens).size, 128256);
  assert.deepEqual([tokens[0], tokens[198], tokens[220], tokens[9906]], ["!", "Ċ", "Ġ", "Hello"]);
  assert.equal(types.filter((t) => t === 3).length, 256);
  assert.ok(types.subarray(0, 128000).every((t) => t === 1));
  const merges = metaStringArray(m, "tokenizer.ggml.merges")!;
  assert.equal(merges.length, 280147);
  assert.equal(merges[0], "Ġ Ġ");
  assert.equal(metaNumber(m, "tokenizer.ggml.bos_token_id"), 128000);
  assert.equal(metaNumber(m, "tokenizer.ggml.eos_token_id"), 128009); // Instruct files: eos = <|eot_id|>
  assert.equal(metaNumber(m, "tokenizer.ggml.eom_token_id"), 128008);
  assert.equal(metaNumber(m, "tokenizer.ggml.eot_token_id"), 128009);
  assert.equal(metaBool(m, "tokenizer.ggml.add_bos_token"), true);
  assert.equal(metaString(m, "tokenizer.chat_template"), LLAMA31_CHAT_TEMPLATE);
  assert.ok(LLAMA31_CHAT_TEMPLATE.includes("Cutting Knowledge Date: December 2023") && LLAMA31_CHAT_TEMPLATE.endsWith("{%- endif %}\n"));
});

test("spm: 32000 unique entries shaped like Llama 2's", () => {
  const v = buildVocabMetadata("spm");
  const m = new Map(v.metadata);
  const tokens = metaStringArray(m, "tokenizer.ggml.tokens")!;
  const types = metaInt32Array(m, "tokenizer.ggml.token_type")!;
  const scores = metaFloat32Array(m, "tokenizer.ggml.scores")!;
  assert.equal(v.nVocab, 32000);
  assert.equal(new Set(tokens).size, 32000); // llama.cpp aborts on duplicate texts
  assert.deepEqual(tokens.slice(0, 4), ["<unk>", "<s>", "</s>", "<0x00>"]);
  assert.deepEqual([...types.subarray(0, 4)], [2, 3, 3, 6]);
  assert.equal(tokens[258], "<0xFF>");
  assert.equal(metaString(m, "tokenizer.ggml.model"), "llama");
  for (let i = 260; i < 32000; i++) assert.ok(scores[i]! < scores[i - 1]!, "scores descend");
  // Every character used in a piece is itself a piece.
  const set = new Set(tokens);
  for (const t of tokens.slice(259)) for (const c of t) assert.ok(set.has(c), `missing single character ${JSON.stringify(c)}`);
  assert.ok(set.has("▁the") && set.has("▁"));
});

test("bytes: <unk> <s> </s>, 256 byte tokens and ▁", () => {
  const v = buildVocabMetadata("bytes");
  const tokens = metaStringArray(new Map(v.metadata), "tokenizer.ggml.tokens")!;
  assert.equal(v.nVocab, 260);
  assert.deepEqual([tokens[0], tokens[3 + 0x41], tokens[259]], ["<unk>", "<0x41>", "▁"]);
});
