import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parseToolCalls } from "../../chat/tool-calls.js";
import { readDataset } from "../dataset.js";
import { trainBpe } from "../tokenizer/train-bpe.js";
import { tokenizerFromVocab } from "../tokenizer/vocab-metadata.js";
import { buildDatasets, tokenizeConversation, tokenizePlainText, tokenizerTrainingTexts } from "./build.js";
import type { KjvChapter } from "./kjv.js";
import { generateConversations } from "./synthetic.js";

const kjv: { train: KjvChapter[]; validation: KjvChapter[] } = {
  train: [{ book: "Genesis", chapter: 1, text: "Genesis 1\nIn the beginning God created the heaven and the earth." }],
  validation: [{ book: "Ruth", chapter: 1, text: "Ruth 1\nNow it came to pass in the days when the judges ruled." }],
};
const sample = generateConversations({ split: "train", count: 300, seed: 5 });
const tokenizer = tokenizerFromVocab(trainBpe(tokenizerTrainingTexts({ kjv: kjv.train, conversations: sample }), { vocabSize: 700, splitDigits: true }));
const ajv = new Ajv2020({ strict: false });

test("tokenizer texts carry no special-token text", () => {
  for (const t of tokenizerTrainingTexts({ kjv: kjv.train, conversations: sample.slice(0, 50) })) assert.ok(!/<\|[a-z_]+\|>/.test(t), t);
});

test("chat mask covers exactly the assistant replies and their end tokens; tool calls parse and validate", () => {
  const eot = tokenizer.encode("<|eot_id|>", { addSpecial: false, parseSpecial: true })[0]!;
  for (const conv of sample) {
    const { tokens, mask } = tokenizeConversation(tokenizer, conv);
    assert.equal(tokens[0], tokenizer.bos);
    const replies: number[][] = [];
    mask.forEach((m, i) => {
      if (m && !mask[i - 1]) replies.push([]);
      if (m) replies.at(-1)!.push(tokens[i]!);
    });
    const assistant = conv.messages.filter((m) => m.role === "assistant");
    assert.equal(replies.length, assistant.length, conv.id);
    replies.forEach((ids, k) => {
      assert.equal(ids.at(-1), eot, "a reply ends with <|eot_id|>");
      assert.equal(tokenizer.decode(ids.slice(0, -1), { special: true }).includes("<|"), false);
      const text = tokenizer.decode(ids.slice(0, -1));
      const msg = assistant[k]!;
      if (msg.tool_calls) {
        const parsed = parseToolCalls(text, conv.tools);
        assert.equal(parsed.toolCalls.length, 1, text);
        const call = parsed.toolCalls[0]!;
        const fn = msg.tool_calls[0]!.function;
        assert.equal(call.name, fn.name);
        assert.deepEqual(JSON.parse(call.arguments), fn.arguments);
        const schema = conv.tools!.find((t) => t.function.name === call.name)!.function.parameters!;
        assert.ok(ajv.validate(schema, JSON.parse(call.arguments)), text);
      } else assert.equal(text, msg.content);
    });
    // The token before each reply is the end of "<|start_header_id|>assistant<|end_header_id|>\n\n".
    assert.equal(tokenizer.decode(tokens.slice(0, mask.indexOf(1)), { special: true }).endsWith("assistant<|end_header_id|>\n\n"), true);
  }
});

test("plain text: BOS first, every token a target", () => {
  const d = tokenizePlainText(tokenizer, kjv.train[0]!.text);
  assert.equal(d.tokens[0], tokenizer.bos);
  assert.ok(d.mask.every((m) => m === 1));
  assert.equal(tokenizer.decode(d.tokens.slice(1)), kjv.train[0]!.text);
});

test("buildDatasets: files round-trip, counts add up, test prompts written", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "ds-"));
  const rep = await buildDatasets({ tokenizer, outDir, kjv, trainConversations: 40, validationConversations: 10, testConversations: 12, kjvShare: 0.5 });
  const train = await readDataset(rep.files.train);
  assert.equal(train.tokens.length, rep.train.tokens);
  assert.equal(train.docStarts.length, rep.train.documents);
  assert.equal(train.docStarts.length, 41);
  assert.equal(rep.train.kjvTokens + rep.train.chatTokens, rep.train.tokens);
  assert.equal(train.mask.reduce((a, b) => a + b, 0), rep.train.targetTokens);
  for (const s of train.docStarts) assert.equal(train.tokens[s], tokenizer.bos);
  const validation = await readDataset(rep.files.validation);
  assert.equal(validation.docStarts.length, 11);
  const tasks = JSON.parse(await readFile(rep.files.testTasks, "utf8"));
  assert.equal(tasks.length, 12);
  assert.ok(tasks.every((t: { messages: { role: string }[] }) => t.messages.at(-1)!.role !== "assistant"));
  const again = await buildDatasets({ tokenizer, outDir: mkdtempSync(join(tmpdir(), "ds-")), kjv, trainConversations: 40, validationConversations: 10, testConversations: 12, kjvShare: 0.5 });
  assert.deepEqual(await readFile(again.files.train), await readFile(rep.files.train));
});
