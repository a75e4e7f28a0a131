// --upstream: a second llama.ts server on loopback registered under another model name. Requests
// naming it are proxied (streaming preserved, `model` rewritten, the upstream's key sent), the
// model list shows it, and an unreachable upstream is a 502 in OpenAI's envelope.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import type { LlamaModel } from "../../src/model/model.js";
import type { RunningServer } from "../../src/server/server.js";
import { parseUpstream } from "../../src/server/upstream.js";
import { paceDecoding, post, serve, synthModel, waitFor } from "./server-helpers.js";

let local: LlamaModel;
let remote: LlamaModel;
let front: RunningServer;
let back: RunningServer;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  const a = await synthModel();
  const b = await synthModel({ preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 11, outputGain: 4 });
  local = a.model;
  remote = b.model;
  cleanups.push(a.cleanup, b.cleanup);
  back = await serve(remote, { modelId: "remote-tiny", nCtx: 512, apiKeys: ["upstream-secret"] });
  front = await serve(local, {
    modelId: "tiny",
    nCtx: 512,
    upstreams: [{ ...parseUpstream(`big=${back.url}/v1#remote-tiny`), apiKey: "upstream-secret" }, parseUpstream("dead=http://127.0.0.1:9/v1")],
  });
});
after(async () => {
  await front.stop();
  await back.stop();
  for (const c of cleanups) await c();
});

test("parseUpstream reads name=URL#remote-model", () => {
  assert.deepEqual(parseUpstream("big=http://10.0.0.5:8000/v1/#meta-llama/Llama-3.1-405B"), {
    name: "big",
    baseUrl: "http://10.0.0.5:8000/v1",
    remoteModel: "meta-llama/Llama-3.1-405B",
  });
  assert.throws(() => parseUpstream("http://x"), /name=URL/);
  assert.throws(() => parseUpstream("a=ftp://x"), /http or https/);
});

test("the model list includes the upstream", async () => {
  const client = new OpenAI({ baseURL: `${front.url}/v1`, apiKey: "x", maxRetries: 0 });
  assert.deepEqual((await client.models.list()).data.map((m) => m.id), ["tiny", "big", "dead"]);
});

test("chat, streamed chat, completions and embeddings for the upstream's name are served by it", async () => {
  const viaFront = new OpenAI({ baseURL: `${front.url}/v1`, apiKey: "x", maxRetries: 0 });
  const direct = new OpenAI({ baseURL: `${back.url}/v1`, apiKey: "upstream-secret", maxRetries: 0 });
  const body = { messages: [{ role: "user" as const, content: "Proxy me" }], max_tokens: 12, temperature: 0 };
  const want = await direct.chat.completions.create({ ...body, model: "remote-tiny" });
  const got = await viaFront.chat.completions.create({ ...body, model: "big" });
  assert.equal(got.choices[0]!.message.content, want.choices[0]!.message.content);
  const localAnswer = await viaFront.chat.completions.create({ ...body, model: "tiny" });
  assert.notEqual(localAnswer.choices[0]!.message.content, want.choices[0]!.message.content, "the two models differ");

  const stream = await viaFront.chat.completions.create({ ...body, model: "big", stream: true });
  let text = "";
  let chunks = 0;
  for await (const c of stream) {
    chunks++;
    text += c.choices[0]?.delta.content ?? "";
  }
  assert.equal(text, want.choices[0]!.message.content);
  assert.ok(chunks > 3, "streamed as chunks");

  const comp = await viaFront.completions.create({ model: "big", prompt: "abc", max_tokens: 5, temperature: 0 });
  const compDirect = await direct.completions.create({ model: "remote-tiny", prompt: "abc", max_tokens: 5, temperature: 0 });
  assert.equal(comp.choices[0]!.text, compDirect.choices[0]!.text);
  const emb = await viaFront.embeddings.create({ model: "big", input: "abc" });
  assert.equal(emb.data[0]!.embedding.length, remote.config.nEmbd);
});

test("a client that disconnects from a proxied stream frees the upstream's slot", async () => {
  const unpace = paceDecoding(remote, 10);
  try {
    const controller = new AbortController();
    const res = await fetch(`${front.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ model: "big", messages: [{ role: "user", content: "long" }], max_tokens: 300, ignore_eos: true, stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    assert.equal(back.ctx.scheduler.active, 1);
    controller.abort();
    await waitFor(() => back.ctx.scheduler.active === 0, 3000, "the upstream slot to be freed");
  } finally {
    unpace();
  }
});

test("upstream errors pass through; an unreachable upstream is a 502", async () => {
  const bad = await post(`${front.url}/v1/chat/completions`, { model: "big", messages: [{ role: "user", content: "x" }], temperature: 9 });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { param: string } }).error.param, "temperature");
  const dead = await post(`${front.url}/v1/chat/completions`, { model: "dead", messages: [{ role: "user", content: "x" }] });
  assert.equal(dead.status, 502);
  const body = (await dead.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, "upstream_unreachable");
  assert.match(body.error.message, /"dead"/);
});
