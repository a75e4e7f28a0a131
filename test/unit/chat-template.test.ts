// Chat templates: renderChat's prompts equal llama.cpp's own Jinja rendering of the same
// conversations byte for byte (fixtures from chat-template-goldens.gen.ts), built-in fallbacks,
// BOS stripping, dates, and clear errors for conversations a template refuses.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ChatTemplateError, chatTemplateFor, renderChat } from "../../src/chat/index.js";
import { LLAMA2_CHAT_TEMPLATE, LLAMA31_CHAT_TEMPLATE, LLAMA32_CHAT_TEMPLATE } from "../../src/chat/builtin-templates.js";
import { strftime } from "../../src/chat/jinja.js";
import { md } from "../../src/gguf/metadata.js";
import type { GgufMetadata } from "../../src/gguf/types.js";
import { buildVocabMetadata } from "../../src/synth/vocab.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import { caseOptions, TEMPLATE_CASES } from "./chat-template-cases.js";

interface Model {
  tokenizer: Tokenizer;
  header: { metadata: GgufMetadata };
}
let llama3: Model;
let spm: Model;
const goldens = JSON.parse(readFileSync(new URL("./chat-template-goldens.json", import.meta.url), "utf8")) as { cases: { name: string; prompt: string }[] };

function model(kind: "llama3" | "bytes", drop: string[] = [], extra: [string, ReturnType<typeof md.string>][] = []): Model {
  const metadata = new Map(buildVocabMetadata(kind).metadata.filter(([k]) => !drop.includes(k)));
  for (const [k, v] of extra) metadata.set(k, v);
  return { tokenizer: Tokenizer.fromMetadata(metadata), header: { metadata } };
}

before(() => {
  llama3 = model("llama3");
  spm = model("bytes");
});

describe("chat templates: golden prompts from llama.cpp's Jinja engine", () => {
  test("the fixture covers every case", () => {
    assert.deepEqual(goldens.cases.map((c) => c.name), TEMPLATE_CASES.map((c) => c.name));
  });
  for (const c of TEMPLATE_CASES) {
    test(c.name, () => {
      const m = c.template === "llama2" ? spm : llama3;
      const { prompt } = renderChat(m, c.messages, caseOptions(c));
      assert.equal(prompt, goldens.cases.find((g) => g.name === c.name)!.prompt);
    });
  }
  test("the model's own template is used by default (the synthesized llama3 vocab carries Llama 3.1's)", () => {
    const c = TEMPLATE_CASES[0]!;
    assert.equal(renderChat(llama3, c.messages).prompt, goldens.cases[0]!.prompt);
  });
});

describe("chat templates: fallbacks, BOS and dates", () => {
  test("a file without a chat template falls back by vocabulary and name", () => {
    assert.equal(chatTemplateFor(model("llama3", ["tokenizer.chat_template"])), LLAMA31_CHAT_TEMPLATE);
    assert.equal(chatTemplateFor(model("llama3", ["tokenizer.chat_template"], [["general.name", md.string("Llama 3.2 1B Instruct")]])), LLAMA32_CHAT_TEMPLATE);
    assert.equal(chatTemplateFor(model("bytes", ["tokenizer.chat_template"])), LLAMA2_CHAT_TEMPLATE);
  });

  test("the leading BOS text is removed when the tokenizer adds BOS, and kept when it does not", () => {
    const msgs = [{ role: "user" as const, content: "Hi" }];
    assert.ok(!renderChat(llama3, msgs).prompt.startsWith("<|begin_of_text|>"));
    const noBos = model("llama3", ["tokenizer.ggml.add_bos_token"], [["tokenizer.ggml.add_bos_token", md.bool(false)]]);
    assert.ok(renderChat(noBos, msgs).prompt.startsWith("<|begin_of_text|>"));
    // Tokenized as llama.cpp does (BOS added, special tokens parsed): exactly one BOS.
    const ids = llama3.tokenizer.encode(renderChat(llama3, msgs).prompt, { addSpecial: true, parseSpecial: true });
    assert.equal(ids.filter((t) => t === 128000).length, 1);
    assert.deepEqual(ids.slice(0, 2), [128000, 128006]);
  });

  test("Llama 3.2's template dates the system block today unless a date is given", () => {
    const msgs = [{ role: "user" as const, content: "Hi" }];
    const today = strftime(new Date(), "%d %b %Y");
    assert.match(renderChat(llama3, msgs, { template: "llama3.2" }).prompt, new RegExp(`Today Date: ${today}\\n`));
    assert.match(renderChat(llama3, msgs, { template: "llama3.2", date: new Date(2024, 1, 29) }).prompt, /Today Date: 29 Feb 2024\n/);
    assert.equal(strftime(new Date(2025, 10, 5, 7, 3, 9), "%d %b %Y %B %H:%M:%S %%"), "05 Nov 2025 November 07:03:09 %");
  });
});

describe("chat templates: errors", () => {
  test("a conversation the template refuses is a ChatTemplateError with the template's message", () => {
    const msgs = [{ role: "user" as const, content: "a" }, { role: "user" as const, content: "b" }];
    assert.throws(() => renderChat(spm, msgs), (e: Error) => e instanceof ChatTemplateError && /roles must alternate/.test(e.message));
    assert.throws(
      () => renderChat(llama3, [{ role: "system", content: "only a system message" }], { tools: [{ type: "function", function: { name: "f" } }] }),
      (e: Error) => e instanceof ChatTemplateError && /no first user message/.test(e.message),
    );
  });

  test("malformed messages and tools are TypeErrors naming the field", () => {
    assert.throws(() => renderChat(llama3, []), /messages must be a non-empty array/);
    assert.throws(() => renderChat(llama3, [{ role: "robot" as "user", content: "x" }]), /messages\[0\]\.role must be one of/);
    assert.throws(() => renderChat(llama3, [{ role: "user", content: [{ type: "image_url" }] }]), /messages\[0\]\.content\[0\] must be a text part/);
    assert.throws(
      () => renderChat(llama3, [{ role: "assistant", tool_calls: [{ function: { name: "f", arguments: "{oops" } }] }]),
      /messages\[0\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/,
    );
    assert.throws(() => renderChat(llama3, [{ role: "user", content: "x" }], { tools: [{ type: "function", function: { name: "bad name!" } }] }), /tools\[0\] must be/);
    assert.throws(() => renderChat(llama3, [{ role: "user", content: "x" }], { template: "{% if %}" }), ChatTemplateError);
  });
});
