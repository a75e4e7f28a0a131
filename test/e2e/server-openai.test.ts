// The OpenAI-compatible API driven by the official `openai` npm client and the Vercel AI SDK's
// OpenAI-compatible provider, unchanged, against a server on a random loopback port: chat,
// streaming, completions, embeddings, models, logprobs, n, stop strings, tokenize, and errors.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { embed, generateText, streamText } from "ai";
import type { LlamaModel } from "../../src/model/model.js";
import type { RunningServer } from "../../src/server/server.js";
import { renderChatPrompt } from "../../src/server/chat-prompt.js";
import { post, serve, synthModel } from "./server-helpers.js";

let model: LlamaModel;
let server: RunningServer;
let client: OpenAI;
let cleanup: () => Promise<void>;

before(async () => {
  ({ model, cleanup } = await synthModel());
  server = await serve(model, { nCtx: 512, parallel: 4 });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
after(async () => {
  await server.stop();
  await cleanup();
});

const user = (content: string) => [{ role: "user" as const, content }];

describe("openai client", () => {
  test("lists the model with its context size", async () => {
    const list = await client.models.list();
    assert.deepEqual(list.data.map((m) => m.id), ["tiny"]);
    const m = await client.models.retrieve("tiny");
    assert.equal((m as unknown as { meta: { n_ctx: number } }).meta.n_ctx, 512);
  });

  test("chat completion: greedy text equals a solo run of the rendered prompt, with usage and timings", async () => {
    const r = await client.chat.completions.create({ model: "tiny", messages: user("Hello"), max_tokens: 12, temperature: 0 });
    const prompt = renderChatPrompt(model, [{ role: "user", content: "Hello" }]);
    const solo = await model.complete(prompt, { temperature: 0, maxTokens: 12 });
    assert.equal(r.object, "chat.completion");
    assert.equal(r.choices[0]!.message.role, "assistant");
    assert.equal(r.choices[0]!.message.content, solo.text);
    assert.equal(r.choices[0]!.finish_reason, solo.finishReason);
    assert.equal(r.usage!.prompt_tokens, prompt.length);
    assert.equal(r.usage!.completion_tokens, solo.tokens.length);
    const timings = (r as unknown as { timings: { predicted_n: number; prompt_per_second: number } }).timings;
    assert.equal(timings.predicted_n, solo.tokens.length);
  });

  test("streaming: deltas concatenate to the non-streamed text; include_usage adds a usage chunk", async () => {
    const body = { model: "tiny", messages: user("Stream me"), max_tokens: 16, temperature: 0 };
    const whole = await client.chat.completions.create(body);
    const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.usage) usage = chunk.usage;
      const c = chunk.choices[0];
      if (c?.delta.content) text += c.delta.content;
      if (c?.finish_reason) finish = c.finish_reason;
    }
    assert.ok(chunks >= 3, "role chunk, content chunks, finish chunk");
    assert.equal(text, whole.choices[0]!.message.content);
    assert.equal(finish, whole.choices[0]!.finish_reason);
    assert.equal(usage!.completion_tokens, whole.usage!.completion_tokens);
    assert.equal(usage!.prompt_tokens_details?.cached_tokens, whole.usage!.prompt_tokens - 1, "the second identical prompt reuses the cached prefix");
  });

  test("the raw stream ends with data: [DONE]", async () => {
    const res = await post(`${server.url}/v1/chat/completions`, { messages: user("x"), max_tokens: 2, stream: true });
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const text = await res.text();
    assert.ok(text.endsWith("data: [DONE]\n\n"), text.slice(-80));
  });

  test("seeded sampling replays; n choices use seed + i; logprobs and top_logprobs are reported", async () => {
    const body = { model: "tiny", messages: user("Sample"), max_tokens: 8, temperature: 1.2, top_k: 0, top_p: 1, min_p: 0, seed: 7, ignore_eos: true } as const;
    const a = await client.chat.completions.create({ ...body, n: 2, logprobs: true, top_logprobs: 3 });
    const b = await client.chat.completions.create({ ...body, seed: 8 });
    assert.equal(a.choices.length, 2);
    assert.equal(a.choices[1]!.message.content, b.choices[0]!.message.content, "choice 1 with seed 7 equals choice 0 with seed 8");
    const lp = a.choices[0]!.logprobs!.content!;
    assert.equal(lp.length, 8);
    for (const e of lp) {
      assert.ok(e.logprob <= 0);
      assert.equal(e.top_logprobs.length, 3);
      assert.ok(e.top_logprobs[0]!.logprob >= e.top_logprobs[2]!.logprob);
      assert.ok(Array.isArray(e.bytes));
    }
    // The follower choice copied the leader's cached prompt instead of evaluating it again.
    assert.ok(a.usage!.completion_tokens === 16);
  });

  test("stop strings end generation and are not returned", async () => {
    const free = await client.chat.completions.create({ model: "tiny", messages: user("Stop test"), max_tokens: 24, temperature: 0, ignore_eos: true } as never) as OpenAI.ChatCompletion;
    const text = free.choices[0]!.message.content!;
    const stop = [...text].slice(4, 6).join("");
    const r = await client.chat.completions.create({ model: "tiny", messages: user("Stop test"), max_tokens: 24, temperature: 0, stop: [stop], ignore_eos: true } as never) as OpenAI.ChatCompletion;
    assert.equal(r.choices[0]!.finish_reason, "stop");
    assert.equal(r.choices[0]!.message.content, text.slice(0, text.indexOf(stop)));
  });

  test("logit_bias bans a token", async () => {
    const solo = await model.complete(renderChatPrompt(model, [{ role: "user", content: "Bias" }]), { temperature: 0, maxTokens: 1 });
    const id = solo.tokens[0]!;
    const free = await client.chat.completions.create({ model: "tiny", messages: user("Bias"), max_tokens: 1, temperature: 0, logprobs: true });
    assert.deepEqual(free.choices[0]!.logprobs!.content![0]!.bytes, [...model.tokenizer.tokenToPiece(id, true)]);
    const r = await client.chat.completions.create({ model: "tiny", messages: user("Bias"), max_tokens: 1, temperature: 0, logprobs: true, logit_bias: { [id]: -100 } });
    assert.notDeepEqual(r.choices[0]!.logprobs!.content![0]!.bytes, free.choices[0]!.logprobs!.content![0]!.bytes);
  });

  test("completions: string, several prompts, token ids, logprobs, echo", async () => {
    const r = await client.completions.create({ model: "tiny", prompt: ["Once", "Twice"], max_tokens: 6, temperature: 0, logprobs: 2 });
    assert.equal(r.object, "text_completion");
    assert.equal(r.choices.length, 2);
    const solo = await model.complete("Twice", { temperature: 0, maxTokens: 6, parseSpecial: true });
    assert.equal(r.choices[1]!.text, solo.text);
    assert.equal(r.choices[1]!.logprobs!.tokens!.length, 6);
    assert.equal(r.usage!.prompt_tokens, model.tokenizer.encode("Once").length + model.tokenizer.encode("Twice").length);
    const ids = await client.completions.create({ model: "tiny", prompt: model.tokenizer.encode("Twice"), max_tokens: 6, temperature: 0 });
    assert.equal(ids.choices[0]!.text, solo.text);
    const echo = await client.completions.create({ model: "tiny", prompt: "Twice", max_tokens: 6, temperature: 0, echo: true });
    assert.equal(echo.choices[0]!.text, "Twice" + solo.text);
    const def = await client.completions.create({ model: "tiny", prompt: "Once", temperature: 0, ignore_eos: true } as never) as OpenAI.Completion;
    assert.equal(def.usage!.completion_tokens, 16, "OpenAI's default max_tokens for completions is 16");
  });

  test("completions accept llama-server's grammar field", async () => {
    const res = await post(`${server.url}/v1/completions`, { prompt: "Digits:", grammar: "root ::= [0-9]{3,6}", max_tokens: 8, temperature: 1, seed: 9 });
    const body = (await res.json()) as { choices: { text: string; finish_reason: string }[] };
    assert.match(body.choices[0]!.text, /^[0-9]{3,6}$/);
  });

  test("completions stream", async () => {
    const stream = await client.completions.create({ model: "tiny", prompt: "Once", max_tokens: 6, temperature: 0, stream: true });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.text ?? "";
    const solo = await model.complete("Once", { temperature: 0, maxTokens: 6, parseSpecial: true });
    assert.equal(text, solo.text);
  });

  test("embeddings: unit-length mean-pooled vectors, float and base64 agree, distinct inputs differ", async () => {
    const r = await client.embeddings.create({ model: "tiny", input: ["hello world", "something else"] });
    assert.equal(r.data.length, 2);
    const [a, b] = r.data.map((d) => d.embedding);
    assert.equal(a!.length, model.config.nEmbd);
    const norm = Math.hypot(...a!);
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    assert.notDeepEqual(a, b);
    const f = await client.embeddings.create({ model: "tiny", input: "hello world", encoding_format: "float" });
    for (let i = 0; i < a!.length; i++) assert.ok(Math.abs(f.data[0]!.embedding[i]! - a![i]!) < 1e-6);
    assert.equal(r.usage.prompt_tokens, model.tokenizer.encode("hello world").length + model.tokenizer.encode("something else").length);
  });
});

describe("errors in OpenAI's envelope", () => {
  const expectError = async (p: Promise<unknown>, status: number, param: string | null, pattern: RegExp) => {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError, String(e));
      assert.equal(e.status, status);
      assert.equal(e.param ?? null, param);
      assert.match(e.message, pattern);
      return true;
    });
  };

  test("a bad field is a 400 naming it", async () => {
    await expectError(client.chat.completions.create({ model: "tiny", messages: user("x"), temperature: 5 }), 400, "temperature", /temperature/);
    await expectError(client.chat.completions.create({ model: "tiny", messages: [{ role: "wizard", content: "x" }] as never }), 400, "messages[0].role", /messages\[0\]\.role/);
    await expectError(client.chat.completions.create({ model: "tiny", messages: [] }), 400, "messages", /messages/);
    await expectError(client.completions.create({ model: "tiny", prompt: "x", logit_bias: { "999999": 1 } }), 400, "logit_bias", /outside the vocabulary/);
    await expectError(client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:," } }] }] }), 400, "messages[0].content[0].type", /image_url/);
  });

  test("an unknown model is a 404", async () => {
    await expectError(client.chat.completions.create({ model: "gpt-9", messages: user("x") }), 404, "model", /gpt-9/);
    await expectError(client.models.retrieve("gpt-9"), 404, "model", /gpt-9/);
  });

  test("context overflow is a 400 by default", async () => {
    await expectError(client.chat.completions.create({ model: "tiny", messages: user("x".repeat(600)) }), 400, "messages", /context holds 512/);
    await expectError(client.chat.completions.create({ model: "tiny", messages: user("hi"), max_tokens: 500 }), 400, "messages", /max_tokens|context/);
  });

  test("drop_oldest_turns keeps the system prompt and the last turn, and reports what it dropped", async () => {
    const long = "y".repeat(150);
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: long },
      { role: "assistant", content: long },
      { role: "user", content: long },
      { role: "assistant", content: "ok" },
      { role: "user", content: "last question" },
    ];
    const res = await post(`${server.url}/v1/chat/completions`, { messages, max_tokens: 8, context_overflow: "drop_oldest_turns" });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { context_overflow: { dropped_indices: number[]; prompt_tokens: number; prompt_tokens_before: number }; usage: { prompt_tokens: number } };
    assert.deepEqual(body.context_overflow.dropped_indices, [1, 2]);
    assert.equal(body.usage.prompt_tokens, body.context_overflow.prompt_tokens);
    assert.ok(body.context_overflow.prompt_tokens_before > 512);
    const expected = renderChatPrompt(model, [messages[0]!, messages[3]!, messages[4]!, messages[5]!] as never);
    assert.equal(body.usage.prompt_tokens, expected.length);
    // When even the last turn does not fit, it is still a 400.
    const tooBig = await post(`${server.url}/v1/chat/completions`, { messages: user("z".repeat(700)), context_overflow: "drop_oldest_turns" });
    assert.equal(tooBig.status, 400);
  });

  test("features this build does not have are refused, not ignored", async () => {
    await expectError(client.chat.completions.create({ model: "tiny", messages: user("x"), audio: { voice: "alloy", format: "mp3" }, modalities: ["audio"] } as never), 400, "audio", /Audio/);
    await expectError(client.completions.create({ model: "tiny", prompt: "x", suffix: "y" }), 400, "suffix", /suffix/);
  });

  test("bad JSON and unknown routes", async () => {
    const bad = await post(`${server.url}/v1/chat/completions`, "{not json");
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /not valid JSON/);
    const missing = await fetch(`${server.url}/v1/nothing`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { type: string } }).error.type, "not_found_error");
  });
});

describe("llama-server extras", () => {
  test("tokenize and detokenize round-trip", async () => {
    const t = (await (await post(`${server.url}/tokenize`, { content: "Hi there", add_special: true })).json()) as { tokens: number[] };
    assert.deepEqual(t.tokens, model.tokenizer.encode("Hi there"));
    const d = (await (await post(`${server.url}/detokenize`, { tokens: t.tokens })).json()) as { content: string };
    assert.equal(d.content, model.tokenizer.decode(t.tokens));
    const p = (await (await post(`${server.url}/tokenize`, { content: "Hi", with_pieces: true })).json()) as { tokens: { id: number; piece: string }[] };
    assert.deepEqual(p.tokens.map((x) => x.piece).join(""), " Hi");
  });
});

describe("Vercel AI SDK (OpenAI-compatible provider)", () => {
  test("generateText, streamText and embed", async () => {
    const provider = createOpenAICompatible({ name: "llama-ts", baseURL: `${server.url}/v1`, apiKey: "unused" });
    const direct = await client.chat.completions.create({ model: "tiny", messages: user("AI SDK"), max_tokens: 10, temperature: 0 });
    const g = await generateText({ model: provider.chatModel("tiny"), prompt: "AI SDK", maxOutputTokens: 10, temperature: 0, maxRetries: 0 });
    assert.equal(g.text, direct.choices[0]!.message.content);
    assert.equal(g.usage.outputTokens, direct.usage!.completion_tokens);
    const s = streamText({ model: provider.chatModel("tiny"), prompt: "AI SDK", maxOutputTokens: 10, temperature: 0, maxRetries: 0 });
    let text = "";
    for await (const piece of s.textStream) text += piece;
    assert.equal(text, g.text);
    const e = await embed({ model: provider.embeddingModel("tiny"), value: "hello world", maxRetries: 0 });
    assert.equal(e.embedding.length, model.config.nEmbd);
  });
});
