import assert from "node:assert/strict";
import { test } from "node:test";
import { TASK_FAMILIES } from "../../eval/task-example.js";
import { COUNTRY_FACTS } from "./facts.js";
import { generateConversations, SyntheticDataError, templateIndex, toTaskExample } from "./synthetic.js";
import { SeededRandom } from "../../synth/seeded-random.js";

const userTexts = (convs: ReturnType<typeof generateConversations>) =>
  convs.flatMap((c) => c.messages.filter((m) => m.role === "user").map((m) => m.content as string));

test("generator: same seed, same conversations; another seed, others", () => {
  const a = generateConversations({ split: "train", count: 300, seed: 7 });
  const b = generateConversations({ split: "train", count: 300, seed: 7 });
  const c = generateConversations({ split: "train", count: 300, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(new Set(a.map((x) => x.family)), new Set(TASK_FAMILIES));
});

test("split: no test or validation prompt is ever a training prompt, and they differ from each other", () => {
  const train = new Set(userTexts(generateConversations({ split: "train", count: 20000 })));
  const testTexts = userTexts(generateConversations({ split: "test", count: 600 }));
  const validation = userTexts(generateConversations({ split: "validation", count: 600 }));
  for (const t of testTexts) assert.ok(!train.has(t), `test prompt seen in training: ${t}`);
  for (const t of validation) assert.ok(!train.has(t), `validation prompt seen in training: ${t}`);
  const v = new Set(validation);
  assert.ok(testTexts.every((t) => !v.has(t)));
});

test("split: every item keeps all but two templates for training", () => {
  const rng = new SeededRandom(1);
  for (const key of ["capital:France", "add:3:4", "get_weather:{\"city\":\"Lima\"}"]) {
    const held = new Set([templateIndex(key, 7, "test", rng), templateIndex(key, 7, "validation", rng)]);
    assert.equal(held.size, 2);
    const seen = new Set(Array.from({ length: 200 }, () => templateIndex(key, 7, "train", rng)));
    assert.equal(seen.size, 5);
    for (const h of held) assert.ok(!seen.has(h));
  }
  assert.throws(() => templateIndex("x", 2, "train", rng), SyntheticDataError);
});

test("task examples: the prompt ends before the reply, answers are in the fixed styles", () => {
  for (const conv of generateConversations({ split: "test", count: 300, seed: 2 })) {
    const ex = toTaskExample(conv);
    const last = ex.messages.at(-1)!;
    assert.ok(last.role === "user" || last.role === "tool", conv.id);
    if (conv.family === "arithmetic") assert.match((ex.expected as { answer: string }).answer, /^\d+ [-+×] \d+ = \d+\.$/);
    if (conv.family === "conversion") assert.match((ex.expected as { answer: string }).answer, /^\d+ [a-z]+ = \d+ [a-z]+\.$/);
    if (conv.family === "tool_call") assert.ok(ex.tools!.some((t) => t.function.name === (ex.expected as { tool: string }).tool));
    if (conv.family === "arithmetic" || conv.family === "facts" || conv.family === "conversion") assert.equal(ex.tools, undefined);
  }
  assert.ok(COUNTRY_FACTS.length > 200 && COUNTRY_FACTS.length <= 250);
  assert.throws(() => generateConversations({ split: "train", count: 5, familyWeights: { arithmetic: -1 } }), SyntheticDataError);
});
