// Split models (gguf-split shards written by `synth --split-max-size`): our logits from the shards
// are bit-identical to those from the single file, and llama.cpp (node-llama-cpp) loads our shards
// from the first one and continues greedily exactly as from the single file, and as we do.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel } from "../../src/model/model.js";
import { synthesizeModel, type SynthOptions } from "../../src/synth/synth.js";
import { fixedSequence } from "./models.js";
import { loadReference, referenceGreedy, referenceLlama } from "./reference.js";

const OPTS: SynthOptions = { preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 5, outputGain: 12, shape: { nLayer: 3 } };
let dir: string;
let single: string;
let shards: string[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-ts-split-conf-"));
  single = join(dir, "single.gguf");
  await synthesizeModel(single, OPTS);
  shards = (await synthesizeModel(join(dir, "split.gguf"), { ...OPTS, split: { maxShardBytes: 400_000 } })).paths;
});

after(async () => {
  await (await referenceLlama()).dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("split models", () => {
  test("the shards give exactly the single file's logits", async () => {
    assert.ok(shards.length >= 3, `expected several shards, got ${shards.length}`);
    const a = await loadModel(single);
    const b = await loadModel(shards[0]!);
    const tokens = fixedSequence(32, a.config.nVocab, a.tokenizer.bos, 7);
    const ra = a.logits(tokens, { all: true });
    const rb = b.logits(tokens, { all: true });
    for (let i = 0; i < ra.length; i++) assert.deepEqual(rb[i], ra[i], `logits differ at position ${i}`);
  });

  test("llama.cpp loads the shards and continues as from the single file, and as we do", async () => {
    const ours = await loadModel(shards[0]!);
    const prompt = ours.tokenizer.encode("def fib(n):");
    const refSingle = await loadReference(single);
    const refSplit = await loadReference(shards[0]!);
    try {
      const fromSingle = await referenceGreedy(refSingle, prompt, 16);
      const fromSplit = await referenceGreedy(refSplit, prompt, 16);
      assert.deepEqual(fromSplit, fromSingle);
      const mine = await ours.complete(prompt, { temperature: 0, maxTokens: 16, ignoreEog: true });
      console.log(`split model (${shards.length} shards), llama.cpp and ours: ${JSON.stringify(fromSplit)}`);
      assert.deepEqual(mine.tokens, fromSplit);
    } finally {
      await refSingle.dispose();
      await refSplit.dispose();
    }
  });
});
