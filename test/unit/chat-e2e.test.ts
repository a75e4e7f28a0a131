// End to end with a random-weight model (tiny shape, real Llama 3.1 vocabulary and template):
// whatever such a model samples, constrained outputs parse and validate against their schema
// within small budgets, tool calls name a declared tool with schema-valid arguments, and formats
// that cannot fit or cannot be enforced are refused before generating.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 as Ajv } from "ajv/dist/2020.js";
import { ChatSession, createConstraint, renderChat, type ChatDelta, type ToolDefinition } from "../../src/chat/index.js";
import { ContextOverflowError, UnsupportedError } from "../../src/errors.js";
import { loadModel, type LlamaModel } from "../../src/model/model.js";
import { synthesizeModel } from "../../src/synth/synth.js";

let model: LlamaModel;
const ajv = new Ajv({ strict: false });
ajv.addFormat("date", /^\d{4}-\d{2}-\d{2}$/);

const PERSON = {
  type: "object",
  properties: {
    name: { type: "string", minLength: 1, maxLength: 12 },
    age: { type: "integer", minimum: 0, maximum: 120 },
    born: { type: "string", format: "date" },
    tags: { type: "array", items: { enum: ["a", "b", "c"] }, minItems: 1, maxItems: 3 },
    address: { $ref: "#/$defs/address" },
    score: { type: ["number", "null"] },
  },
  required: ["name", "age", "born", "tags", "address", "score"],
  additionalProperties: false,
  $defs: { address: { type: "object", properties: { city: { type: "string" }, zip: { type: "string", minLength: 5, maxLength: 5 } }, required: ["city"] } },
};

const TOOLS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Weather for a city",
      parameters: { type: "object", properties: { city: { type: "string", maxLength: 20 }, days: { type: "integer", minimum: 1, maximum: 7 } }, required: ["city", "days"], additionalProperties: false },
    },
  },
  { type: "function", function: { name: "add", parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] } } },
];

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "llama-ts-chat-e2e-"));
  const path = join(dir, "tiny-llama3.gguf");
  // The tiny preset narrowed to 64 wide: the 128256-row output layer dominates a random model's cost.
  await synthesizeModel(path, { preset: "tiny", vocab: "llama3", seed: 11, shape: { nEmbd: 64, nHead: 2, nHeadKv: 1, nFf: 128 } });
  model = await loadModel(path);
});

function promptTokens(text: string): number[] {
  const { prompt } = renderChat(model, [{ role: "user", content: text }]);
  return model.tokenizer.encode(prompt, { addSpecial: true, parseSpecial: true });
}

describe("structured output from a random-weight model", () => {
  test("json_schema: output parses and validates across seeds and small budgets", async () => {
    const validate = ajv.compile(PERSON);
    const tokens = promptTokens("Describe a person as JSON.");
    const min = createConstraint(model.tokenizer, { type: "json_schema", schema: PERSON }).minTokensToComplete!();
    for (let seed = 1; seed <= 6; seed++) {
      const maxTokens = min + (seed % 4) * 4;
      const constraint = createConstraint(model.tokenizer, { type: "json_schema", schema: PERSON });
      const r = await model.complete(tokens, { constraint, maxTokens, seed, temperature: 1, nCtx: 512 });
      assert.ok(r.tokens.length <= maxTokens);
      let value: unknown;
      assert.doesNotThrow(() => (value = JSON.parse(r.text)), `seed ${seed}, budget ${maxTokens}: ${r.text}`);
      assert.ok(validate(value), `seed ${seed}: ${ajv.errorsText(validate.errors)} in ${r.text}`);
      assert.equal(r.finishReason, "stop");
    }
  });

  test("json_object and a GBNF grammar", async () => {
    const tokens = promptTokens("JSON please");
    for (let seed = 1; seed <= 3; seed++) {
      const r = await model.complete(tokens, { constraint: createConstraint(model.tokenizer, { type: "json_object" }), maxTokens: 24, seed, nCtx: 256 });
      const v = JSON.parse(r.text) as unknown;
      assert.ok(typeof v === "object" && v !== null && !Array.isArray(v), r.text);
    }
    const gbnf = `root ::= ("yes" | "no") ", because " [a-z ]{3,10} "."`;
    const r = await model.complete(tokens, { constraint: createConstraint(model.tokenizer, { type: "grammar", gbnf }), maxTokens: 20, seed: 4, nCtx: 256 });
    assert.match(r.text, /^(yes|no), because [a-z ]{3,10}\.$/);
  });

  test("a budget no valid output fits in is refused before generating; unsupported schemas too", async () => {
    const tokens = promptTokens("x");
    const constraint = createConstraint(model.tokenizer, { type: "json_schema", schema: PERSON });
    await assert.rejects(model.complete(tokens, { constraint, maxTokens: 5, nCtx: 256 }), (e: Error) => e instanceof ContextOverflowError && /needs at least \d+ tokens but only 5/.test(e.message));
    assert.throws(() => createConstraint(model.tokenizer, { type: "json_schema", schema: { type: "string", pattern: "a+" } }), UnsupportedError);
  });
});

describe("tool calls from a random-weight model", () => {
  const argsValid = (name: string, args: string) => ajv.validate(TOOLS.find((t) => t.function.name === name)!.function.parameters as object, JSON.parse(args));

  test("tool_choice required: a declared tool with schema-valid arguments, finish_reason tool_calls", async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const s = new ChatSession(model, { tools: TOOLS, toolChoice: "required", nCtx: 1024 });
      const r = await s.reply("What is the weather in Paris for 3 days?", { seed, maxTokens: 48 });
      assert.equal(r.finishReason, "tool_calls", r.content);
      assert.equal(r.toolCalls.length, 1);
      const call = r.toolCalls[0]!;
      assert.ok(["get_weather", "add"].includes(call.name));
      assert.ok(argsValid(call.name, call.arguments), `${call.name} ${call.arguments}`);
      assert.deepEqual(s.messages.at(-1)!.tool_calls![0]!.function, { name: call.name, arguments: call.arguments });
    }
  });

  test("a named tool, streamed as OpenAI deltas, and the result fed back", async () => {
    const s = new ChatSession(model, { tools: TOOLS, toolChoice: { name: "add" }, nCtx: 1024 });
    const deltas: ChatDelta[] = [];
    const it = s.send("Add 2 and 3", { seed: 7, maxTokens: 40 });
    let r = await it.next();
    while (!r.done) {
      deltas.push(r.value);
      r = await it.next();
    }
    const turn = r.value;
    assert.equal(turn.toolCalls[0]!.name, "add");
    assert.ok(argsValid("add", turn.toolCalls[0]!.arguments));
    const parts = deltas.flatMap((d) => d.tool_calls ?? []);
    assert.equal(parts[0]!.function.name, "add");
    assert.equal(parts.map((p) => p.function.arguments ?? "").join(""), turn.toolCalls[0]!.arguments);
    s.addToolResult(turn.toolCalls[0]!.id, "5");
    const prompt = renderChat(model, s.messages, { tools: TOOLS }).prompt;
    assert.match(prompt, /<\|start_header_id\|>ipython<\|end_header_id\|>\n\n"5"<\|eot_id\|><\|start_header_id\|>assistant/);
  });

  test("tool_choice auto: either plain text or a valid call", async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const s = new ChatSession(model, { tools: TOOLS, nCtx: 1024 });
      const r = await s.reply("Hi", { seed, maxTokens: 24 });
      if (r.toolCalls.length > 0) {
        assert.equal(r.finishReason, "tool_calls");
        assert.ok(argsValid(r.toolCalls[0]!.name, r.toolCalls[0]!.arguments));
      } else assert.ok(!r.content.trimStart().startsWith("{"), r.content);
    }
  });
});
