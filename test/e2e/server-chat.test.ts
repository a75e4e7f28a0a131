// Chat formatting and structured output through the server on a model with the real Llama 3.1
// tokenizer and chat template: prompts are the chat module's rendering, response_format and
// `grammar` constrain the reply, and tools come back as OpenAI tool_calls (whole and streamed).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { renderChat } from "../../src/chat/index.js";
import type { LlamaModel } from "../../src/model/model.js";
import type { RunningServer } from "../../src/server/server.js";
import { post, serve, synthModel } from "./server-helpers.js";

let model: LlamaModel;
let server: RunningServer;
let client: OpenAI;
let cleanup: () => Promise<void>;

before(async () => {
  ({ model, cleanup } = await synthModel({ preset: "tiny", type: "Q8_0", vocab: "llama3", seed: 5 }));
  server = await serve(model, { nCtx: 1024, parallel: 2 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "x", maxRetries: 0 });
});
after(async () => {
  await server.stop();
  await cleanup();
});

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string", maxLength: 12 } }, required: ["city"], additionalProperties: false },
  },
};

describe("chat template", () => {
  test("the prompt is the model's chat template, tokenized with its special tokens", async () => {
    const messages = [{ role: "system" as const, content: "Be brief." }, { role: "user" as const, content: "Hello there" }];
    const r = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 2, temperature: 0 });
    const { prompt } = renderChat(model, messages);
    assert.match(prompt, /<\|start_header_id\|>user<\|end_header_id\|>\n\nHello there<\|eot_id\|>/);
    const tokens = model.tokenizer.encode(prompt, { addSpecial: true, parseSpecial: true });
    assert.equal(tokens[0], model.tokenizer.bos);
    assert.equal(r.usage!.prompt_tokens, tokens.length);
    const solo = await model.complete(tokens, { temperature: 0, maxTokens: 2 });
    assert.equal(r.choices[0]!.message.content, solo.text);
  });
});

describe("structured output", () => {
  test("response_format json_object gives parseable JSON", async () => {
    const r = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "JSON please" }], response_format: { type: "json_object" }, max_tokens: 40, temperature: 0.7, seed: 1 });
    const text = r.choices[0]!.message.content!;
    assert.equal(typeof JSON.parse(text), "object", text);
    assert.equal(r.choices[0]!.finish_reason, "stop");
  });

  test("response_format json_schema follows the schema", async () => {
    const schema = { type: "object", properties: { name: { type: "string", maxLength: 8 }, age: { type: "integer", minimum: 0, maximum: 120 } }, required: ["name", "age"], additionalProperties: false };
    const r = await client.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "A person" }],
      response_format: { type: "json_schema", json_schema: { name: "person", schema, strict: true } },
      max_tokens: 60,
      temperature: 0.7,
      seed: 2,
    });
    const value = JSON.parse(r.choices[0]!.message.content!) as { name: unknown; age: unknown };
    assert.deepEqual(Object.keys(value).sort(), ["age", "name"]);
    assert.equal(typeof value.name, "string");
    assert.ok(Number.isInteger(value.age) && (value.age as number) >= 0 && (value.age as number) <= 120);
  });

  test("a GBNF grammar (llama.cpp's field) constrains the reply", async () => {
    const res = await post(`${server.url}/v1/chat/completions`, { messages: [{ role: "user", content: "yes or no" }], grammar: 'root ::= "yes" | "no"', max_tokens: 8, temperature: 1, seed: 3 });
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    assert.ok(["yes", "no"].includes(body.choices[0]!.message.content), body.choices[0]!.message.content);
  });

  test("bad schemas and grammars are 400s naming the field", async () => {
    const bad = await post(`${server.url}/v1/chat/completions`, { messages: [{ role: "user", content: "x" }], grammar: "root ::= (" });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { param: string } }).error.param, "grammar");
    const both = await post(`${server.url}/v1/chat/completions`, { messages: [{ role: "user", content: "x" }], grammar: 'root ::= "a"', response_format: { type: "json_object" } });
    assert.equal(both.status, 400);
    const choiceOnly = await post(`${server.url}/v1/chat/completions`, { messages: [{ role: "user", content: "x" }], tool_choice: "required" });
    assert.equal(((await choiceOnly.json()) as { error: { param: string } }).error.param, "tool_choice");
  });
});

describe("tool calling", () => {
  test("tool_choice required returns tool_calls with JSON arguments", async () => {
    const r = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weather], tool_choice: "required", max_tokens: 60, temperature: 0.7, seed: 4 });
    const choice = r.choices[0]!;
    assert.equal(choice.finish_reason, "tool_calls");
    const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.equal(call.type, "function");
    assert.equal(call.function.name, "get_weather");
    assert.match(call.id, /^call_/);
    assert.equal(typeof (JSON.parse(call.function.arguments) as { city: unknown }).city, "string");
  });

  test("streamed tool calls reassemble to the same call", async () => {
    const body = { model: "tiny", messages: [{ role: "user" as const, content: "Weather in Rome?" }], tools: [weather], tool_choice: "required" as const, max_tokens: 60, temperature: 0.7, seed: 5 };
    const whole = await client.chat.completions.create(body);
    const stream = await client.chat.completions.create({ ...body, stream: true });
    let name = "";
    let args = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      for (const t of c?.delta.tool_calls ?? []) {
        name += t.function?.name ?? "";
        args += t.function?.arguments ?? "";
      }
      if (c?.finish_reason) finish = c.finish_reason;
    }
    const call = whole.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.equal(finish, "tool_calls");
    assert.equal(name, call.function.name);
    assert.deepEqual(JSON.parse(args), JSON.parse(call.function.arguments));
  });

  test("a tool result turn renders and generates", async () => {
    const r = await client.chat.completions.create({
      model: "tiny",
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: '{"temp_c": 3}' },
      ],
      tools: [weather],
      tool_choice: "none",
      max_tokens: 4,
      temperature: 0,
    });
    assert.equal(r.choices[0]!.message.tool_calls, undefined);
    assert.ok(r.usage!.prompt_tokens > 20);
  });
});
