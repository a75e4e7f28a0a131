// A vocabulary trained by `trainBpe`, written into a synthesized GGUF, against llama.cpp
// (node-llama-cpp 3.21.1): identical ids from llama_tokenize (parse_special off and on) on the
// tokenizer corpus and on Llama 3.1 chat prompts, identical text from llama_detokenize, and the
// same bos/eos/eot — with and without splitDigits.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Token } from "node-llama-cpp";
import { renderChat } from "../../src/chat/template.js";
import type { ChatMessage } from "../../src/chat/types.js";
import { synthesizeModel } from "../../src/synth/synth.js";
import { trainBpe } from "../../src/train/tokenizer/train-bpe.js";
import { trainedVocabMetadata, tokenizerFromVocab } from "../../src/train/tokenizer/vocab-metadata.js";
import { referenceLlama } from "./reference.js";
import { tokenizerCorpus } from "./tokenizer-corpus.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cacheDir = join(root, ".cache", "trained-tokenizer-conformance");
const corpus = tokenizerCorpus();
const trainingText = [readFileSync(join(root, "README.md"), "utf8"), ...corpus];

after(async () => {
  await (await referenceLlama()).dispose();
});

const CONVERSATIONS: ChatMessage[][] = [
  [{ role: "user", content: "Hello! What is 1234 + 5678?" }],
  [
    { role: "system", content: "You are a llama 🦙. Answer in one line." },
    { role: "user", content: "Écris «bonjour» en 日本語, s'il te plaît." },
    { role: "assistant", content: "こんにちは <|eot_id|> (that was text)" },
    { role: "user", content: "And <|start_header_id|>? \n\n\t  trailing   " },
  ],
  [
    { role: "user", content: "What's the weather in Paris?" },
    { role: "assistant", content: "", tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", content: '{"temp_c": 21}' },
  ],
];
const TOOLS = [{ type: "function" as const, function: { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];

async function compare(splitDigits: boolean): Promise<void> {
  const vocab = trainBpe(trainingText, { vocabSize: 4096, splitDigits });
  const metadata = trainedVocabMetadata(vocab);
  const ours = tokenizerFromVocab(vocab);
  mkdirSync(cacheDir, { recursive: true });
  const path = join(cacheDir, `trained-${splitDigits ? "split-digits" : "plain"}.gguf`);
  await synthesizeModel(path, {
    vocabMetadata: { metadata, nVocab: vocab.tokens.length },
    shape: { nEmbd: 64, nLayer: 1, nHead: 2, nHeadKv: 2, nFf: 128, nCtxTrain: 512 },
    type: "F32",
    name: "llama.ts trained vocabulary",
  });

  const chatModel = { tokenizer: ours, header: { metadata: new Map(metadata) } };
  const prompts = CONVERSATIONS.map((messages, i) => renderChat(chatModel, messages, i === 2 ? { tools: TOOLS } : {}).prompt);
  assert.ok(prompts.every((p) => p.includes("<|start_header_id|>")));

  const model = await (await referenceLlama()).loadModel({ modelPath: path, vocabOnly: true, gpuLayers: 0 });
  try {
    assert.equal(model.tokens.bos, ours.bos);
    assert.equal(model.tokens.eos, ours.eos);
    assert.equal(model.tokens.eot, ours.eot);
    const mismatches: string[] = [];
    let total = 0;
    const check = (what: string, input: unknown, ref: unknown, got: unknown): void => {
      total++;
      if (JSON.stringify(ref) !== JSON.stringify(got)) mismatches.push(`${what} ${JSON.stringify(input)}\n  llama.cpp: ${JSON.stringify(ref)}\n  llama.ts:  ${JSON.stringify(got)}`);
    };
    for (const parseSpecial of [false, true]) {
      for (const text of [...corpus, ...prompts]) {
        const ref = Array.from(model.tokenize(text, parseSpecial)) as number[];
        check(`encode parseSpecial=${parseSpecial}`, text, ref, ours.encode(text, { addSpecial: false, parseSpecial }));
        check(`decode special=${parseSpecial}`, ref, model.detokenize(ref as Token[], parseSpecial), ours.decode(ref, { special: parseSpecial }));
      }
    }
    // The chat prompts really hit the control tokens on both sides.
    const headerId = vocab.tokens.indexOf("<|start_header_id|>");
    for (const p of prompts) assert.ok((Array.from(model.tokenize(p, true)) as number[]).includes(headerId));
    if (splitDigits) assert.equal(ours.encode("1234567", { addSpecial: false }).length, 7);

    console.log(`trained tokenizer (splitDigits=${splitDigits}, ${vocab.tokens.length} tokens): ${total - mismatches.length}/${total} identical to llama.cpp`);
    assert.deepEqual(mismatches.slice(0, 10), []);
  } finally {
    await model.dispose();
  }
}

test("a trained vocabulary tokenizes like llama.cpp (corpus, chat prompts with specials)", { timeout: 120_000 }, async () => {
  await compare(false);
});

test("a trained vocabulary with splitDigits tokenizes like llama.cpp", { timeout: 120_000 }, async () => {
  await compare(true);
});
