// Models larger than one 4 GiB WebAssembly memory are spread over several memories ("shards").
// CI cannot afford a 5 GB model, so this runs the same code path with 4 MiB shards: a small model
// then spans several memories (weights, KV cache and scratch in different ones) and must give
// exactly the logits of the same kernels in one memory. scripts/big-model-check.mjs does it for real.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kernelModule } from "../../src/kernels/wasm/kernel-module.js";
import { WasmKernels } from "../../src/kernels/wasm/wasm-kernels.js";
import { loadModel } from "../../src/model/model.js";
import { synthesizeModel } from "../../src/synth/synth.js";

const dir = mkdtempSync(join(tmpdir(), "llama-ts-shards-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("weights spread over several WebAssembly memories", () => {
  for (const [type, nLayer] of [["Q8_0", 4], ["Q4_K", 8]] as const) {
    test(`${type}: same logits in 4 MiB shards as in one memory, on 2 threads`, async () => {
      const path = join(dir, `${type}.gguf`);
      await synthesizeModel(path, { preset: "tiny", vocab: "bytes", type, seed: 11, shape: { nLayer } });
      const module = await kernelModule();
      const one = await WasmKernels.create(module, { threads: 2 });
      const many = await WasmKernels.create(module, { threads: 2, shardPages: 64 });
      try {
        const a = await loadModel(path, { kernels: one });
        const b = await loadModel(path, { kernels: many });
        assert.equal(one.shardCount, 1);
        assert.ok(many.shardCount >= 2, `expected the weights to span several shards, got ${many.shardCount}`);
        const tokens = Array.from({ length: 40 }, (_, i) => (i * 37 + 5) % a.config.nVocab);
        const la = a.logits(tokens, { all: true });
        const lb = b.logits(tokens, { all: true });
        for (let i = 0; i < la.length; i++) assert.deepEqual(lb[i], la[i], `position ${i}`);
        const ga = await a.complete(tokens.slice(0, 5), { maxTokens: 8, temperature: 0 });
        const gb = await b.complete(tokens.slice(0, 5), { maxTokens: 8, temperature: 0 });
        assert.deepEqual(gb.tokens, ga.tokens);
      } finally {
        one.dispose();
        many.dispose();
      }
    });
  }

  test("a tensor larger than a shard is a clear error", async () => {
    const module = await kernelModule();
    const k = await WasmKernels.create(module, { threads: 1, shardPages: 64 });
    try {
      assert.throws(() => k.allocateWeight(4 << 20, "blk.0.ffn_up.weight"), /Cannot allocate 4194304 bytes for tensor "blk.0.ffn_up.weight": larger than one WebAssembly memory/);
    } finally {
      k.dispose();
    }
  });
});
