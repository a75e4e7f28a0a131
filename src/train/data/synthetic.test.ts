import assert from "node:assert/strict";
import { test } from "node:test";
import { TASK_FAMILIES } from "../../eval/task-example.js";
import { COUNTRY_FACTS, QA_COUNTRY_FACTS } from "./facts.js";
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
    const answer = (ex.expected as { answer?: string }).answer ?? "";
    if (conv.family === "arithmetic") {
      // The answer is the result of the operation on the two numbers in the question.
      const [a, b] = (last.content as string).match(/\d+/g)!.map(Number) as [number, number];
      assert.ok([a + b, a - b, b - a, a * b].includes(Number(answer.replace(/\.$/, ""))), `${last.content} → ${answer}`);
      assert.match(answer, /^\d+\.$/);
    }
    if (conv.family === "conversion") assert.match(answer, /^\d+ [a-z]+\.$/);
    if (conv.family === "facts") assert.ok(QA_COUNTRY_FACTS.some((c) => [c.capital, c.continent, `The ${c.currency}`, c.language].includes(answer.replace(/\.$/, ""))), answer);
    if (conv.family === "tool_call") assert.ok(ex.tools!.some((t) => t.function.name === (ex.expected as { tool: string }).tool));
    if (conv.family === "arithmetic" || conv.family === "facts" || conv.family === "conversion") assert.equal(ex.tools, undefined);
  }
  assert.ok(COUNTRY_FACTS.length > 200 && COUNTRY_FACTS.length <= 250);
  assert.equal(QA_COUNTRY_FACTS.length, 40);
  assert.throws(() => generateConversations({ split: "train", count: 5, familyWeights: { arithmetic: -1 } }), SyntheticDataError);
});
