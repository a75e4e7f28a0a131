// ChatSession on a small random model: history, KV-cache reuse across turns, both context
// policies, save/load, aborting a reply, and per-turn response formats.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatSession } from "../../src/chat/index.js";
import { ContextOverflowError } from "../../src/errors.js";
import { loadModel, type LlamaModel } from "../../src/model/model.js";
import { synthesizeModel } from "../../src/synth/synth.js";

let model: LlamaModel;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "llama-ts-chat-session-"));
  const path = join(dir, "tiny-llama3.gguf");
  await synthesizeModel(path, { preset: "tiny", vocab: "llama3", seed: 12, shape: { nEmbd: 64, nHead: 2, nHeadKv: 1, nFf: 128 } });
  model = await loadModel(path);
});

describe("ChatSession", () => {
  test("keeps the history and reuses the KV cache of the previous turns", async () => {
    const s = new ChatSession(model, { systemPrompt: "You are terse.", nCtx: 1024, generation: { maxTokens: 8, seed: 1 } });
    const t1 = await s.reply("Hello there!");
    assert.equal(t1.timings.reusedTokens, 0);
    const t2 = await s.reply("And then?");
    const t3 = await s.reply("Thanks.");
    assert.deepEqual(s.messages.map((m) => m.role), ["system", "user", "assistant", "user", "assistant", "user", "assistant"]);
    // Everything up to the previous reply is already in the cache; only the new turn is evaluated.
    assert.ok(t2.timings.reusedTokens >= t1.promptTokens, `turn 2 reused ${t2.timings.reusedTokens} of ${t2.promptTokens}`);
    assert.ok(t3.timings.reusedTokens >= t2.promptTokens, `turn 3 reused ${t3.timings.reusedTokens} of ${t3.promptTokens}`);
    assert.ok(t3.promptTokens - t3.timings.reusedTokens < 30);
  });

  test('context policy "error": a turn that does not fit is refused and the history stays as it was', async () => {
    const s = new ChatSession(model, { systemPrompt: "S", nCtx: 96, generation: { maxTokens: 16, seed: 2 } });
    await s.reply("one two three");
    const before = s.save();
    await assert.rejects(s.reply("four five six seven eight ".repeat(6)), (e: Error) => e instanceof ContextOverflowError && /holds 96/.test(e.message));
    assert.deepEqual(s.save(), before);
  });

  test('context policy "drop-oldest": whole old turns go, the system prompt stays, and the drop is reported', async () => {
    const s = new ChatSession(model, { systemPrompt: "Stay.", nCtx: 112, contextPolicy: "drop-oldest", generation: { maxTokens: 12, seed: 3 } });
    const dropped: string[] = [];
    for (const q of ["first question", "second question", "third question", "fourth question"]) {
      const t = await s.reply(q);
      dropped.push(...t.dropped.map((m) => `${m.role}:${typeof m.content === "string" ? m.content : ""}`));
      assert.ok(t.promptTokens + 12 <= 112);
    }
    assert.equal(s.messages[0]!.content, "Stay.");
    assert.equal(s.messages.at(-2)!.content, "fourth question");
    assert.ok(dropped.includes("user:first question"), dropped.join(" | "));
    // A turn that alone is too long still fails, even with nothing left to drop.
    await assert.rejects(s.reply("x ".repeat(200)), /even after dropping every earlier turn/);
  });

  test("save and load round-trip; reset keeps the system prompt; malformed saves are refused", async () => {
    const s = new ChatSession(model, { systemPrompt: "Sys", nCtx: 512, generation: { maxTokens: 4, seed: 4 } });
    await s.reply("hi");
    const saved = JSON.parse(JSON.stringify(s.save()));
    s.reset();
    assert.deepEqual(s.messages, [{ role: "system", content: "Sys" }]);
    s.load(saved);
    assert.deepEqual(s.save(), saved);
    assert.throws(() => s.load({ messages: [] }), /Not a saved chat/);
    assert.throws(() => s.load({ version: 1, messages: [{ role: "wizard" }] }), /message 0 has no valid role/);
  });

  test("an aborted reply keeps what was written and says so", async () => {
    const s = new ChatSession(model, { nCtx: 512 });
    const controller = new AbortController();
    const it = s.send("Tell me a long story", { signal: controller.signal, seed: 5, maxTokens: 200 });
    let pieces = 0;
    let r = await it.next();
    while (!r.done) {
      if (++pieces === 3) controller.abort();
      r = await it.next();
    }
    assert.equal(r.value.finishReason, "aborted");
    assert.ok(r.value.timings.generatedTokens === 0 && pieces >= 3);
    assert.equal(s.messages.at(-1)!.role, "assistant");
    assert.equal(s.messages.at(-1)!.content, r.value.content);
  });

  test("a per-turn response format constrains only that turn", async () => {
    const s = new ChatSession(model, { nCtx: 512, generation: { seed: 6 } });
    const t = await s.reply("JSON", { maxTokens: 24, responseFormat: { type: "json_schema", schema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] } } });
    assert.equal(typeof (JSON.parse(t.content) as { ok: unknown }).ok, "boolean");
    const free = await s.reply("Now free text", { maxTokens: 6 });
    assert.equal(free.finishReason, "length");
  });
});
