// The hidden-state hook behind /v1/embeddings: forwardMany's `hidden` output is the final hidden
// state after output_norm (projecting it with the output matrix gives exactly the logits), and
// the server's embedding is its mean over positions, L2-normalized — the same vector llama.cpp
// (node-llama-cpp 3.21.1) gives for a model whose metadata asks for mean pooling.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { LlamaModel } from "../../src/model/model.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama } from "node-llama-cpp";
import { GgufFile } from "../../src/gguf/gguf-file.js";
import { md } from "../../src/gguf/metadata.js";
import { writeGguf } from "../../src/gguf/writer.js";
import { KvCache } from "../../src/model/kv-cache.js";
import { loadModel } from "../../src/model/model.js";
import { synthesizeModel } from "../../src/synth/synth.js";
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

test("embeddings equal llama.cpp's mean pooling (cosine > 0.99999)", { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "llama-ts-embd-"));
  const base = join(dir, "base.gguf");
  const path = join(dir, "mean.gguf");
  await synthesizeModel(base, { preset: "tiny", type: "F16", vocab: "bytes", seed: 8 });
  // The same model with llama.pooling_type = 1 (LLAMA_POOLING_TYPE_MEAN) so llama.cpp mean-pools.
  const file = await GgufFile.open(base);
  try {
    await writeGguf(path, {
      metadata: [...file.header.metadata.entries(), ["llama.pooling_type", md.uint32(1)]],
      tensors: file.header.tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, data: () => file.readTensor(t) })),
    });
  } finally {
    await file.close();
  }
  const ours = await loadModel(path);
  const server = await serve(ours, { nCtx: 256 });
  const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
  const ref = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
  const ectx = await ref.createEmbeddingContext({ contextSize: 256, threads: 2 });
  try {
    for (const text of ["The quick brown fox jumps over the lazy dog", "Embeddings, pooled."]) {
      const tokens = ours.tokenizer.encode(text);
      const body = (await (await post(`${server.url}/v1/embeddings`, { input: tokens })).json()) as { data: { embedding: number[] }[] };
      const got = body.data[0]!.embedding;
      const want = (await ectx.getEmbeddingFor(tokens as never)).vector as readonly number[];
      const norm = Math.hypot(...want);
      let cos = 0;
      for (let i = 0; i < want.length; i++) cos += (got[i]! * want[i]!) / norm;
      assert.equal(got.length, want.length);
      assert.ok(cos > 0.99999, `cosine ${cos} for "${text}"`);
    }
  } finally {
    await ectx.dispose();
    await ref.dispose();
    await server.stop();
    (ours as { dispose?: () => void }).dispose?.();
    await rm(dir, { recursive: true, force: true });
  }
});
