// Tool calling without a model: parsing Llama 3.1 tool-call replies, streaming them as OpenAI
// deltas that add up to the parsed result, and the tool-call grammar's accept/reject behaviour.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseToolCalls, toolCallGbnf, ToolCallStream, type ChatDelta, type ToolDefinition } from "../../src/chat/index.js";
import { createTextMatcher } from "../../src/grammar/text-matcher.js";
import { buildVocabMetadata } from "../../src/synth/vocab.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";

const TOOLS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      parameters: { type: "object", properties: { city: { type: "string" }, unit: { enum: ["c", "f"] } }, required: ["city"], additionalProperties: false },
    },
  },
  { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } },
  { type: "function", function: { name: "brave_search", parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } } },
  { type: "function", function: { name: "code_interpreter" } },
];

describe("parseToolCalls", () => {
  const cases: [string, { name: string; args: unknown }[] | null][] = [
    ['{"name": "get_weather", "parameters": {"city": "Paris"}}', [{ name: "get_weather", args: { city: "Paris" } }]],
    ['  <|python_tag|>{"name":"get_time","parameters":{}}\n', [{ name: "get_time", args: {} }]],
    ['{"type": "function", "name": "get_weather", "arguments": {"city": "Oslo", "unit": "c"}}', [{ name: "get_weather", args: { city: "Oslo", unit: "c" } }]],
    ['{"name": "get_weather", "parameters": "{\\"city\\": \\"Rome\\"}"}', [{ name: "get_weather", args: { city: "Rome" } }]],
    ['{"name":"get_time","parameters":{}}; {"name":"get_weather","parameters":{"city":"A"}}', [{ name: "get_time", args: {} }, { name: "get_weather", args: { city: "A" } }]],
    ['[{"name":"get_time","parameters":{}}, {"name":"get_weather","parameters":{"city":"B"}}]', [{ name: "get_time", args: {} }, { name: "get_weather", args: { city: "B" } }]],
    ['<|python_tag|>brave_search.call(query="llama \\"facts\\"")', [{ name: "brave_search", args: { query: 'llama "facts"' } }]],
    ["<|python_tag|>print(2 + 2)", [{ name: "code_interpreter", args: { code: "print(2 + 2)" } }]],
    ['{"name": "launch_rockets", "parameters": {}}', null],
    ['{"name": "get_weather", "parameters": {"city": "Paris"}', null],
    ["The weather is nice.", null],
    ["", null],
  ];
  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text).slice(0, 70)}`, () => {
      const r = parseToolCalls(text, TOOLS);
      if (expected === null) {
        assert.deepEqual(r, { content: text, toolCalls: [] });
        return;
      }
      assert.equal(r.content, "");
      assert.deepEqual(r.toolCalls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) })), expected);
      for (const c of r.toolCalls) assert.match(c.id, /^call_[A-Za-z0-9]{16}$/);
    });
  }
  test("text after the calls is content", () => {
    const r = parseToolCalls('{"name": "get_weather", "parameters": {"city": "Paris"}}; and some text ', TOOLS);
    assert.equal(r.content, "and some text");
    assert.deepEqual(r.toolCalls.map((c) => c.name), ["get_weather"]);
  });
  test("arguments keep the JSON text the model wrote", () => {
    assert.equal(parseToolCalls('{"name":"get_weather","parameters":{ "city" : "Lima" }}', TOOLS).toolCalls[0]!.arguments, '{ "city" : "Lima" }');
  });
  test("without declared tools any name is accepted", () => {
    assert.equal(parseToolCalls('{"name":"anything","parameters":{}}').toolCalls[0]!.name, "anything");
  });
});

/** Feeds text in chunks; returns the deltas and the finished result. */
function stream(text: string, chunk: number) {
  const s = new ToolCallStream(TOOLS);
  const deltas: ChatDelta[] = [];
  for (let i = 0; i < text.length; i += chunk) deltas.push(...s.push(text.slice(i, i + chunk)));
  const fin = s.finish();
  deltas.push(...fin.deltas);
  return { deltas, fin };
}

describe("ToolCallStream", () => {
  const texts = [
    '{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}}',
    ' <|python_tag|>{"name":"get_time","parameters":{}};{"name":"get_weather","parameters":{"city":"x}{"}}',
    "Plain answer, no tools. { not a call",
    '<|python_tag|>brave_search.call(query="q")',
    '{"name": "get_weather", "parameters": {"city": "Paris"}} trailing',
    "<|pyth",
  ];
  for (const text of texts) {
    for (const chunk of [1, 3, 1000]) {
      test(`${JSON.stringify(text).slice(0, 50)} in chunks of ${chunk}`, () => {
        const { deltas, fin } = stream(text, chunk);
        const parsed = parseToolCalls(text, TOOLS);
        assert.equal(fin.content, parsed.content);
        assert.deepEqual(fin.toolCalls.map((c) => [c.name, c.arguments]), parsed.toolCalls.map((c) => [c.name, c.arguments]));
        // The deltas add up to the result: content text, and per call one header then argument fragments.
        assert.equal(deltas.map((d) => d.content ?? "").join(""), fin.content);
        fin.toolCalls.forEach((call, index) => {
          const parts = deltas.flatMap((d) => d.tool_calls ?? []).filter((t) => t.index === index);
          assert.equal(parts[0]!.id, call.id);
          assert.equal(parts[0]!.type, "function");
          assert.equal(parts[0]!.function.name, call.name);
          assert.ok(parts.slice(1).every((p) => p.id === undefined && p.function.name === undefined));
          assert.equal(parts.map((p) => p.function.arguments ?? "").join(""), call.arguments);
        });
      });
    }
  }
  test("a JSON call's arguments stream before the reply ends", () => {
    const s = new ToolCallStream(TOOLS);
    const early = [...s.push('{"name": "get_weather", "parameters": {"ci'), ...s.push('ty": "Pa')];
    const calls = early.flatMap((d) => d.tool_calls ?? []);
    assert.equal(calls[0]!.function.name, "get_weather");
    assert.equal(calls.map((c) => c.function.arguments ?? "").join(""), '{"city": "Pa');
  });
});

describe("tool-call grammar", () => {
  let tok: Tokenizer;
  before(() => {
    tok = Tokenizer.fromMetadata(new Map(buildVocabMetadata("llama3").metadata));
  });

  test("required: only calls of declared tools with schema-valid arguments", () => {
    const m = createTextMatcher(toolCallGbnf(tok, TOOLS.slice(0, 2), "required"));
    assert.ok(m.matches('{"name": "get_weather", "parameters": {"city": "Paris"}}'));
    assert.ok(m.matches('\n{ "name" : "get_weather" , "parameters" : { "city" : "P" , "unit" : "f" } }'));
    assert.ok(m.matches('{"name":"get_time","parameters":{}}'));
    assert.ok(!m.matches('{"name":"get_weather","parameters":{}}'), "missing required city");
    assert.ok(!m.matches('{"name":"get_weather","parameters":{"city":"P","unit":"k"}}'), "unit outside the enum");
    assert.ok(!m.matches('{"name":"other","parameters":{}}'));
    assert.ok(!m.matches("Sure, here is the weather"));
    assert.ok(!m.matches('{"name":"get_time","parameters":{}};{"name":"get_time","parameters":{}}'), "one call unless parallel");
    const parallel = createTextMatcher(toolCallGbnf(tok, TOOLS.slice(0, 2), "required", { parallel: true }));
    assert.ok(parallel.matches('{"name":"get_time","parameters":{}}; {"name":"get_time","parameters":{}}'));
  });

  test("a named tool excludes the others; auto also allows text that does not start with {", () => {
    const named = createTextMatcher(toolCallGbnf(tok, TOOLS.slice(0, 2), { name: "get_time" }));
    assert.ok(named.matches('{"name":"get_time","parameters":{}}'));
    assert.ok(!named.matches('{"name":"get_weather","parameters":{"city":"P"}}'));
    const auto = createTextMatcher(toolCallGbnf(tok, TOOLS.slice(0, 2), "auto"));
    assert.ok(auto.matches("It is sunny {today}."));
    assert.ok(auto.matches('{"name":"get_time","parameters":{}}'));
    assert.equal(auto.viablePrefix("{oops"), 1);
    assert.throws(() => toolCallGbnf(tok, TOOLS, { name: "nope" }), /not among the declared tools/);
    assert.throws(() => toolCallGbnf(tok, [], "auto"), /at least one tool/);
  });
});
