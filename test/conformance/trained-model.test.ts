// A model trained by llama.ts and exported to GGUF runs the same in llama.cpp (node-llama-cpp
// 3.21.1): a small Llama with a trained BPE vocabulary learns a corpus, is exported as F32, F16
// and Q8_0, and each file's greedy continuation from llama.cpp equals the engine's token for token.

import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadModel } from "../../src/model/model.js";
import { parseTrainConfig } from "../../src/train/config.js";
import { buildDataset, writeDataset } from "../../src/train/dataset.js";
import { exportGguf, EXPORT_TYPES } from "../../src/train/export.js";
import { paramLayout } from "../../src/train/model-shape.js";
import { createTrainCompute } from "../../src/train/select-compute.js";
import { trainBpe } from "../../src/train/tokenizer/train-bpe.js";
import { tokenizerFromVocab, trainedVocabMetadata } from "../../src/train/tokenizer/vocab-metadata.js";
import { train, type TrainResult } from "../../src/train/trainer.js";
import { loadReference, referenceGreedy, referenceLlama } from "./reference.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
let dir: string;
let trained: TrainResult;
let vocabMetadata: ReturnType<typeof trainedVocabMetadata>;
let prompts: number[][];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-ts-trained-"));
  const text = await readFile(join(root, "ARCHITECTURE.md"), "utf8");
  const paragraphs = text.split(/\n\s*\n/).filter((p) => p.trim().length > 40);
  const vocab = trainBpe(paragraphs, { vocabSize: 768, splitDigits: true });
  vocabMetadata = trainedVocabMetadata(vocab);
  const tokenizer = tokenizerFromVocab(vocab);
  const docs = paragraphs.map((p) => ({ tokens: tokenizer.encode(p) }));
  await writeDataset(join(dir, "train.ltds"), buildDataset(tokenizer.nVocab, docs));
  await writeDataset(join(dir, "val.ltds"), buildDataset(tokenizer.nVocab, docs.slice(0, 3)));
  const config = parseTrainConfig({
    model: { nEmbd: 64, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 160, nCtx: 128, tiedEmbeddings: true },
    data: { train: "train.ltds", validation: "val.ltds" },
    training: { steps: 120, batchSize: 4, seqLen: 64, lr: 1e-2, minLr: 1e-3, warmupSteps: 10, seed: 3 },
    eval: { every: 60, batches: 1 },
    checkpoint: { dir: "ck", every: 1000 },
  }, dir);
  const { compute } = await createTrainCompute("wasm", 1);
  try {
    trained = await train(config, { compute });
  } finally {
    compute.dispose();
  }
  prompts = paragraphs.slice(1, 4).map((p) => tokenizer.encode(p.slice(0, 60)));
});

after(async () => {
  await (await referenceLlama()).dispose();
  await rm(dir, { recursive: true, force: true });
});

for (const type of EXPORT_TYPES) {
  test(`exported ${type}: llama.cpp's greedy continuation equals the engine's`, async () => {
    assert.ok(trained.history.at(-1)!.loss < trained.history[0]!.loss / 2, "the model learned its corpus");
    const path = join(dir, `model-${type}.gguf`);
    await exportGguf(path, { shape: trained.shape, layout: paramLayout(trained.shape), params: trained.params, type, vocabMetadata, name: `trained ${type}` });
    const ours = await loadModel(path);
    const ref = await loadReference(path);
    try {
      for (const prompt of prompts) {
        const expected = await referenceGreedy(ref, prompt, 20);
        const result = await ours.complete(prompt, { temperature: 0, maxTokens: 20, ignoreEog: true });
        assert.deepEqual(result.tokens, expected, `continuation of ${JSON.stringify(ours.tokenizer.decode(prompt))}`);
      }
    } finally {
      await ref.dispose();
      (ours as { dispose?: () => void }).dispose?.();
    }
  });
}
