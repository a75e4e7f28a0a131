import assert from "node:assert/strict";
import { test } from "node:test";
import { generateConversations, toTaskExample } from "../train/data/synthetic.js";
import { evaluateTasks, normalizeAnswer, TaskEvalError, validateTaskExamples, type TaskAnswerer } from "./tasks.js";
import type { TaskExample } from "./task-example.js";

const examples: TaskExample[] = generateConversations({ split: "test", count: 200, seed: 4 }).map(toTaskExample);
const byId = new Map(examples.map((e) => [e.id, e]));
const find = (messages: unknown) => examples.find((e) => JSON.stringify(e.messages) === JSON.stringify(messages))!;

/** Replies as the model would write them: the Llama 3.1 JSON call, or the answer sentence. */
const oracle: TaskAnswerer = async (messages) => {
  const ex = find(messages);
  return "answer" in ex.expected ? ex.expected.answer.toUpperCase().replace(/\.$/, "") + "  " : JSON.stringify({ name: ex.expected.tool, parameters: ex.expected.arguments });
};

test("an oracle scores 100 % in every family", async () => {
  const ev = await evaluateTasks(examples, oracle);
  assert.equal(ev.overall.accuracy, 1);
  assert.equal(ev.families.length, 6);
  const calls = ev.families.find((f) => f.family === "tool_call")!;
  assert.equal(calls.exactArgumentRate, 1);
});

test("wrong replies score 0 %: other answers, no call, wrong tool, schema-invalid arguments, calls instead of answers", async () => {
  let k = 0;
  const wrong: TaskAnswerer = async (messages, tools) => {
    const ex = find(messages);
    k++;
    if ("answer" in ex.expected) return k % 2 ? "Banana." : { content: "", toolCalls: [{ name: tools?.[0]?.function.name ?? "x", arguments: "{}" }] };
    const other = tools!.find((t) => t.function.name !== (ex.expected as { tool: string }).tool);
    if (k % 3 === 0 && other) return JSON.stringify({ name: other.function.name, parameters: ex.expected.arguments });
    if (k % 3 === 1) return JSON.stringify({ name: ex.expected.tool, parameters: {} }); // required arguments missing
    return "I cannot do that.";
  };
  const ev = await evaluateTasks(examples, wrong);
  assert.equal(ev.overall.correct, 0);
  assert.ok(ev.results.every((r) => r.reason));
});

test("right tool with other valid arguments: a valid call, not exact", async () => {
  const ex = examples.find((e) => "tool" in e.expected && e.expected.tool === "set_timer")!;
  const ev = await evaluateTasks([ex], async () => ({ content: "", toolCalls: [{ name: "set_timer", arguments: { minutes: 999 } }] }));
  assert.equal(ev.families[0]!.accuracy, 1);
  assert.equal(ev.families[0]!.exactArgumentRate, 0);
  assert.ok(byId.size > 0);
});

test("normalization and task-file validation", () => {
  assert.equal(normalizeAnswer("  12 +  35 = 47. "), "12 + 35 = 47");
  assert.throws(() => validateTaskExamples([{ family: "poetry", messages: [{ role: "user", content: "x" }], expected: { answer: "y" } }], "t.json"), /t\.json\[0\]\.family/);
  assert.throws(() => validateTaskExamples({}, "t.json"), TaskEvalError);
  validateTaskExamples(JSON.parse(JSON.stringify(examples)));
});
