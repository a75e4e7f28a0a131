// Conformance on the Llama-3.2-1B shape (2048 embd, 16 layers, 32/8 heads, 8192 ff, 128256 vocab,
// tied embeddings, Llama 3.1 rope scaling): log-probabilities over 48 teacher-forced tokens against
// llama.cpp, plus our plain-TypeScript decode speed. Slow (models of 0.8–2.5 GB are generated
// once into .cache/): run with `npm run test:conformance-1b`.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { SynthType } from "../../src/synth/synth.js";
import { loadModel } from "../../src/model/model.js";
import { compareLogprobs, formatStats, STATS_HEADER } from "../conformance/compare.js";
import { cachedModel } from "../conformance/models.js";
import { referenceLlama } from "../conformance/reference.js";

const SEQ_LEN = 48;
// 16 layers accumulate more rounding than the 2–3-layer models of the default suite.
const CASES: { type: SynthType; mean: number; max: number; kl: number }[] = [
  { type: "F16", mean: 0.02, max: 0.15, kl: 1e-3 },
  { type: "Q8_0", mean: 0.05, max: 0.3, kl: 3e-3 },
  { type: "Q4_K_M", mean: 0.08, max: 0.5, kl: 5e-3 },
];
const report: string[] = [];

after(async () => {
  console.log(["", STATS_HEADER, ...report].join("\n"));
  await (await referenceLlama()).dispose();
});

describe("1B shape: log-probabilities match llama.cpp", { timeout: 60 * 60 * 1000 }, () => {
  for (const c of CASES) {
    test(`1b-${c.type}`, async () => {
      const path = await cachedModel(`1b-${c.type}`, { preset: "1b", type: c.type, vocab: "llama3", seed: 1 });
      const s = await compareLogprobs(path, SEQ_LEN);
      report.push(formatStats(`1b-${c.type}`, s));
      assert.ok(s.mean <= c.mean, `mean |Δ log p| ${s.mean} exceeds ${c.mean}`);
      assert.ok(s.max <= c.max, `max |Δ log p| ${s.max} exceeds ${c.max}`);
      assert.ok(s.kl <= c.kl, `mean KL ${s.kl} exceeds ${c.kl}`);
    });
  }

  test("decode speed on the 1B shape with the default kernels (reported, not asserted)", async () => {
    const path = await cachedModel("1b-Q8_0", { preset: "1b", type: "Q8_0", vocab: "llama3", seed: 1 });
    const model = await loadModel(path);
    const r = await model.complete("The quick brown fox", { temperature: 0, maxTokens: 8, ignoreEog: true });
    report.push(
      `1B Q8_0, ${model.kernels.name} kernels: prompt ${r.timings.promptTokensPerSecond.toFixed(2)} tok/s, decode ${r.timings.generatedTokensPerSecond.toFixed(2)} tok/s`,
    );
    assert.equal(r.tokens.length, 8);
  });
});
