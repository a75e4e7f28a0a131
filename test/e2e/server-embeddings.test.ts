// The hidden-state hook behind /v1/embeddings: forwardMany's `hidden` output is the final hidden
// state after output_norm (projecting it with the output matrix gives exactly the logits), and
// the server's embedding is its mean over positions, L2-normalized.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { LlamaModel } from "../../src/model/model.js";
import { KvCache } from "../../src/model/kv-cache.js";
import { post, serve, synthModel } from "./server-helpers.js";

let model: LlamaModel;
let cleanup: () => Promise<void>;
before(async () => {
  ({ model, cleanup } = await synthModel());
});
after(() => cleanup());

test("hidden states projected by the output matrix are the logits", () => {
  const { nEmbd, nVocab } = model.config;
  const tokens = model.tokenizer.encode("hidden states");
  const hidden = new Float32Array(tokens.length * nEmbd);
  const [logits] = model.forwardPass.forwardMany([{ cache: new KvCache(model.config, 64), tokens, pos0: 0, wanted: "all", hidden }]);
  const projected = new Float32Array(tokens.length * nVocab);
  model.kernels.matmul(projected, model.weights.output, hidden, tokens.length);
  assert.deepEqual(projected, logits);
  assert.throws(
    () => model.forwardPass.forwardMany([{ cache: new KvCache(model.config, 64), tokens, pos0: 0, wanted: "none", hidden: new Float32Array(3) }]),
    /hidden-state buffer/,
  );
});

test("the embedding is the L2-normalized mean of the hidden states", async () => {
  const server = await serve(model, { nCtx: 128 });
  try {
    const { nEmbd } = model.config;
    const tokens = model.tokenizer.encode("mean pooling");
    const hidden = new Float32Array(tokens.length * nEmbd);
    model.forwardPass.forwardMany([{ cache: new KvCache(model.config, 64), tokens, pos0: 0, wanted: "none", hidden }]);
    const mean = Array.from({ length: nEmbd }, (_, i) => tokens.reduce((s, _t, p) => s + hidden[p * nEmbd + i]!, 0) / tokens.length);
    const norm = Math.hypot(...mean);
    const body = (await (await post(`${server.url}/v1/embeddings`, { input: "mean pooling" })).json()) as { data: { embedding: number[] }[] };
    const got = body.data[0]!.embedding;
    for (let i = 0; i < nEmbd; i++) assert.ok(Math.abs(got[i]! - mean[i]! / norm) < 1e-6, `dimension ${i}`);
    const tooLong = await post(`${server.url}/v1/embeddings`, { input: "x".repeat(200) });
    assert.equal(tooLong.status, 400);
  } finally {
    await server.stop();
  }
});
