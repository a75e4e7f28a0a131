// KV cache types: memory per type, Q8_0 rows that dequantize to the values written (within half a
// quantization step), the head-size rule for Q8_0, and generation with every type on one model
// staying close to the f16 cache (q8_0 attention is checked against llama.cpp in conformance).

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GgmlType } from "../gguf/types.js";
import { synthesizeModel } from "../synth/synth.js";
import { typeTraits } from "../tensors/type-traits.js";
import type { ModelConfig } from "./config.js";
import { KvCache } from "./kv-cache.js";
import { loadModel, type LlamaModel } from "./model.js";

const cfg = { nLayer: 2, nHeadKv: 2, headDim: 64 } as ModelConfig;
let dir: string;
let model: LlamaModel;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-ts-kv-"));
  await synthesizeModel(join(dir, "m.gguf"), { preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 8 });
  model = await loadModel(join(dir, "m.gguf"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("KvCache", () => {
  it("holds f16, f32 or Q8_0 rows, with the expected memory", () => {
    const per = 2 * 2 * 10 * 128; // layers × (K and V) × nCtx × row values
    assert.equal(new KvCache(cfg, 10).byteSize, per * 2);
    assert.equal(new KvCache(cfg, 10, "f32").byteSize, per * 4);
    assert.equal(new KvCache(cfg, 10, "q8_0").byteSize, (per / 32) * 34);
    const mixed = new KvCache(cfg, 10, { k: "q8_0", v: "f16" });
    assert.equal(mixed.type, "q8_0/f16");
    assert.ok(mixed.k[0] instanceof Uint8Array && mixed.v[0] instanceof Uint16Array);
  });

  it("stores Q8_0 rows that dequantize to what was written", () => {
    const c = new KvCache(cfg, 4, "q8_0");
    const k = Float32Array.from({ length: 2 * 128 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
    c.write(1, 2, k, k, 2);
    const back = new Float32Array(2 * 128);
    typeTraits(GgmlType.Q8_0).dequantizeRow(c.k[1] as Uint8Array, (2 * 128 / 32) * 34, back, 0, 256);
    for (let b = 0; b < 8; b++) {
      const block = k.subarray(b * 32, b * 32 + 32);
      const step = Math.max(...block.map(Math.abs)) / 127;
      for (let j = 0; j < 32; j++) assert.ok(Math.abs(back[b * 32 + j]! - block[j]!) <= step * 0.57); // half a step, plus the f16 rounding of the scale
    }
  });

  it("refuses Q8_0 for heads that are not whole blocks, and unknown types", () => {
    assert.throws(() => new KvCache({ ...cfg, headDim: 48 }, 4, "q8_0"), /KV cache type q8_0 needs a head size that is a multiple of 32, but this model's is 48/);
    assert.throws(() => new KvCache(cfg, 4, "q4_0" as never), /Unknown KV cache type "q4_0"; expected one of f16, f32, q8_0/);
  });

  it("gives logits close to the f16 cache with every type, and a context keeps its type", () => {
    const tokens = Array.from({ length: 40 }, (_, i) => (i * 37 + 5) % 250);
    const ref = model.logits(tokens, { all: true, context: model.createContext({ nCtx: 40 }) });
    for (const kvType of ["f32", "q8_0", { k: "q8_0", v: "f16" }, { k: "f16", v: "q8_0" }] as const) {
      const ctx = model.createContext({ nCtx: 40, kvType });
      const rows = model.logits(tokens, { all: true, context: ctx });
      let worst = 0;
      rows.forEach((r, i) => r.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - ref[i]![j]!)))));
      assert.ok(worst < 0.5, `${JSON.stringify(kvType)}: max |Δ logit| ${worst}`);
      assert.ok(worst > 0, `${JSON.stringify(kvType)} should differ from f16 at least slightly`);
    }
  });
});
