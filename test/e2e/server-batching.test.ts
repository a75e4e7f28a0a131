// Continuous batching end to end: concurrent streams share decode steps yet each gets exactly
// the tokens of a solo greedy run of its own prompt; a client that disconnects frees its slot at
// once; a full queue answers 503 with Retry-After; cached prefixes are reused across requests.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import type { LlamaModel } from "../../src/model/model.js";
import type { RunningServer } from "../../src/server/server.js";
import { renderChatPrompt } from "../../src/server/chat-prompt.js";
import { paceDecoding, post, serve, synthModel, waitFor } from "./server-helpers.js";

let model: LlamaModel;
let cleanup: () => Promise<void>;

before(async () => {
  ({ model, cleanup } = await synthModel());
});
after(() => cleanup());

type Health = { slots_idle: number; slots_processing: number; queue_depth: number };
const health = async (s: RunningServer) => (await (await fetch(`${s.url}/health`)).json()) as Health;
const longBody = (content: string, stream: boolean) => ({ messages: [{ role: "user", content }], max_tokens: 300, temperature: 0, ignore_eos: true, stream });

describe("continuous batching", () => {
  test("8 concurrent streams on 4 slots each get exactly their solo greedy tokens", async () => {
    const server = await serve(model, { nCtx: 256, parallel: 4 });
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "x", maxRetries: 0 });
    try {
      const prompts = Array.from({ length: 8 }, (_, i) => `Prompt number ${i}: ${"abcdefgh".slice(0, i + 1)}`);
      const maxTokens = 24;
      const streamed = await Promise.all(
        prompts.map(async (p) => {
          const stream = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: p }], max_tokens: maxTokens, temperature: 0, ignore_eos: true, logprobs: true, stream: true } as never) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>;
          const bytes: number[][] = [];
          let text = "";
          for await (const chunk of stream) {
            for (const e of chunk.choices[0]?.logprobs?.content ?? []) bytes.push(e.bytes!);
            text += chunk.choices[0]?.delta.content ?? "";
          }
          return { bytes, text };
        }),
      );
      // Sequences really were batched together.
      const st = server.ctx.scheduler.stats;
      assert.ok(st.batchedSequences / st.steps > 2, `mean batch ${st.batchedSequences / st.steps}`);
      for (const [i, p] of prompts.entries()) {
        const solo = await model.complete(renderChatPrompt(model, [{ role: "user", content: p }]), { temperature: 0, maxTokens, ignoreEog: true });
        assert.deepEqual(streamed[i]!.bytes, solo.tokens.map((t) => [...model.tokenizer.tokenToPiece(t, true)]), `stream ${i} tokens`);
        assert.equal(streamed[i]!.text, solo.text, `stream ${i} text`);
      }
    } finally {
      await server.stop();
    }
  });

  test("a client that disconnects mid-stream frees its slot at once", async () => {
    const unpace = paceDecoding(model, 10);
    const server = await serve(model, { nCtx: 512, parallel: 2 });
    try {
      const controller = new AbortController();
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(longBody("disconnect me", true)),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      await reader.read();
      assert.equal((await health(server)).slots_processing, 1);
      const generatedBefore = server.ctx.scheduler.stats.generatedTokens;
      controller.abort();
      await waitFor(async () => (await health(server)).slots_processing === 0, 2000, "the slot to be freed");
      assert.equal(server.ctx.scheduler.stats.cancelled, 1);
      assert.ok(server.ctx.scheduler.stats.generatedTokens - generatedBefore < 100, "generation stopped long before max_tokens");

      // The same for a non-streaming request.
      const c2 = new AbortController();
      const pending = fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(longBody("non-stream", false)), signal: c2.signal }).catch(() => undefined);
      await waitFor(async () => (await health(server)).slots_processing === 1, 2000, "the request to start");
      c2.abort();
      await pending;
      await waitFor(async () => (await health(server)).slots_processing === 0, 2000, "the slot to be freed");
    } finally {
      unpace();
      await server.stop();
    }
  });

  test("a full queue answers 503 with Retry-After", async () => {
    const unpace = paceDecoding(model, 10);
    const server = await serve(model, { nCtx: 512, parallel: 1, maxQueue: 1 });
    const controllers = [new AbortController(), new AbortController()];
    try {
      const start = (i: number) =>
        fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(longBody(`busy ${i}`, true)), signal: controllers[i]!.signal });
      const first = await start(0);
      const second = await start(1);
      assert.equal(first.status, 200);
      assert.equal(second.status, 200);
      const h = await health(server);
      assert.deepEqual([h.slots_processing, h.queue_depth], [1, 1]);
      const third = await post(`${server.url}/v1/chat/completions`, longBody("no room", false));
      assert.equal(third.status, 503);
      assert.ok(Number(third.headers.get("retry-after")) >= 1);
      const body = (await third.json()) as { error: { code: string; type: string } };
      assert.equal(body.error.code, "queue_full");
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "x", maxRetries: 0 });
      await assert.rejects(client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "x" }] }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 503);
      for (const c of controllers) c.abort();
      await waitFor(async () => (await health(server)).slots_processing === 0, 2000, "slots to be freed");
      assert.equal((await health(server)).queue_depth, 0);
    } finally {
      for (const c of controllers) c.abort();
      unpace();
      await server.stop();
    }
  });

  test("the next chat turn reuses the cached prefix of the previous one", async () => {
    const server = await serve(model, { nCtx: 512, parallel: 2 });
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "x", maxRetries: 0 });
      const turn1 = [{ role: "system" as const, content: "You are terse." }, { role: "user" as const, content: "First question" }];
      const r1 = await client.chat.completions.create({ model: "tiny", messages: turn1, max_tokens: 8, temperature: 0 });
      const turn2 = [...turn1, { role: "assistant" as const, content: r1.choices[0]!.message.content! }, { role: "user" as const, content: "Second" }];
      const r2 = await client.chat.completions.create({ model: "tiny", messages: turn2, max_tokens: 8, temperature: 0 });
      const cached = r2.usage!.prompt_tokens_details!.cached_tokens!;
      const firstPrompt = renderChatPrompt(model, turn1).length;
      assert.ok(cached >= firstPrompt, `cached ${cached} of the first prompt's ${firstPrompt}`);
      // Reuse does not change results.
      const solo = await model.complete(renderChatPrompt(model, turn2), { temperature: 0, maxTokens: 8 });
      assert.equal(r2.choices[0]!.message.content, solo.text);
    } finally {
      await server.stop();
    }
  });

  test("n choices share one prompt evaluation", async () => {
    const server = await serve(model, { nCtx: 512, parallel: 4 });
    try {
      const before = server.ctx.scheduler.stats.promptTokens;
      const res = await post(`${server.url}/v1/chat/completions`, { messages: [{ role: "user", content: "Fan out" }], n: 3, max_tokens: 4, temperature: 1, seed: 1 });
      const body = (await res.json()) as { choices: unknown[]; usage: { prompt_tokens: number } };
      assert.equal(body.choices.length, 3);
      const evaluated = server.ctx.scheduler.stats.promptTokens - before;
      assert.equal(evaluated, body.usage.prompt_tokens + 2, "the prompt once, plus the last prompt token per extra choice");
    } finally {
      await server.stop();
    }
  });
});
