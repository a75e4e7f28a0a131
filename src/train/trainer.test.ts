// The training loop end to end on a tiny model: loss falls, an interrupted run resumed from its
// checkpoint ends bit for bit where the uninterrupted one does, checkpoints reject other runs and
// corruption, and the exported GGUF loads in the engine and continues the trained pattern.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsCompute } from "./compute.js";
import { parseTrainConfig, type TrainConfig } from "./config.js";
import { buildDataset, writeDataset } from "./dataset.js";
import { train, CHECKPOINT_FILE } from "./trainer.js";
import { loadCheckpoint, CheckpointError } from "./checkpoint.js";
import { buildBytesVocabMetadata } from "../synth/vocab-spm.js";
import { Tokenizer } from "../tokenizer/tokenizer.js";
import { loadModel } from "../model/model.js";
import { TrainableLlama } from "./llama-train.js";

const vocab = buildBytesVocabMetadata();
const tokenizer = Tokenizer.fromMetadata(new Map(vocab.metadata));
const TEXT = "the quick brown fox jumps over the lazy dog. ";

async function setup(dir: string, over: Record<string, unknown> = {}): Promise<TrainConfig> {
  const docs = Array.from({ length: 40 }, (_, i) => ({ tokens: tokenizer.encode(TEXT.repeat(2 + (i % 3))) }));
  await writeDataset(join(dir, "train.ltds"), buildDataset(vocab.nVocab, docs));
  await writeDataset(join(dir, "val.ltds"), buildDataset(vocab.nVocab, docs.slice(0, 4)));
  return parseTrainConfig({
    model: { nVocab: vocab.nVocab, nEmbd: 32, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 64, nCtx: 64, tiedEmbeddings: true },
    data: { train: "train.ltds", validation: "val.ltds" },
    training: { steps: 80, batchSize: 2, seqLen: 64, gradAccum: 2, lr: 2e-2, minLr: 1e-3, warmupSteps: 4, seed: 5 },
    eval: { every: 10, batches: 2 },
    checkpoint: { dir: "ck", every: 10 },
    export: { path: "model.gguf", type: "F32", name: "trainer test" },
    ...over,
  }, dir);
}

test("loss falls, and the exported model continues the trained text in the engine", async () => {
  const dir = await mkdtemp(join(tmpdir(), "llama-ts-train-"));
  try {
    const c = await setup(dir);
    const r = await train(c, { compute: jsCompute(), vocabMetadata: vocab.metadata });
    assert.equal(r.finished, true);
    assert.equal(r.history.length, 80);
    const first = r.history[0]!.loss;
    const last = r.history.at(-1)!.loss;
    assert.ok(first > 4, `initial loss ≈ ln(${vocab.nVocab}), got ${first}`);
    assert.ok(last < first / 2, `loss fell from ${first} to ${last}`);
    assert.ok(r.finalValLoss! < first / 2);
    assert.match(await readFile(join(dir, "ck", "loss.svg"), "utf8"), /^<svg[\s\S]*validation loss/);

    // The engine's greedy continuation of the exported file is the trainer's own.
    const prompt = tokenizer.encode("the quick brown fox jumps over the la");
    const own = new TrainableLlama(r.shape, jsCompute(), 1, r.shape.nCtx);
    own.params.set(r.params);
    const ownTokens: number[] = [];
    for (let i = 0; i < 12; i++) {
      const seq = [...prompt, ...ownTokens];
      const logits = own.logitsOf(seq).subarray((seq.length - 1) * r.shape.nVocab);
      ownTokens.push(logits.indexOf(Math.max(...logits)));
    }
    const model = await loadModel(r.exportedPath!);
    try {
      const engineTokens: number[] = [];
      for await (const piece of model.generate(prompt, { maxTokens: 12, temperature: 0 })) engineTokens.push(piece.token);
      assert.deepEqual(engineTokens, ownTokens);
      assert.equal(tokenizer.decode(engineTokens), "zy dog. the ");
    } finally {
      (model as { dispose?: () => void }).dispose?.();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a run interrupted and resumed ends bit for bit where the uninterrupted run does", async () => {
  const dir = await mkdtemp(join(tmpdir(), "llama-ts-train-"));
  try {
    const over = { training: { steps: 12, batchSize: 2, seqLen: 16, gradAccum: 2, lr: 1e-2, minLr: 1e-3, warmupSteps: 3, seed: 9 }, eval: { every: 4, batches: 1 }, checkpoint: { dir: "a", every: 5 } };
    const whole = await train(await setup(dir, over), { compute: jsCompute(), vocabMetadata: vocab.metadata });
    const c2 = await setup(dir, { ...over, checkpoint: { dir: "b", every: 5 } });
    const part = await train(c2, { compute: jsCompute(), vocabMetadata: vocab.metadata, stopAtStep: 7 });
    assert.equal(part.finished, false);
    assert.equal((await loadCheckpoint(join(dir, "b", CHECKPOINT_FILE))).meta.step, 7);
    const rest = await train(c2, { compute: jsCompute(), vocabMetadata: vocab.metadata, resume: true });
    assert.equal(rest.step, 12);
    assert.deepEqual(rest.history, whole.history);
    assert.deepEqual(new Uint8Array(rest.params.buffer), new Uint8Array(whole.params.buffer));

    // A checkpoint of another run is refused; a truncated one is an error naming the file.
    const other = await setup(dir, { ...over, training: { ...over.training, lr: 2e-2 }, checkpoint: { dir: "b", every: 5 } });
    await assert.rejects(train(other, { compute: jsCompute(), resume: true }), /belongs to a different run/);
    const ck = join(dir, "b", CHECKPOINT_FILE);
    const bytes = await readFile(ck);
    await writeFile(ck, bytes.subarray(0, bytes.length - 10));
    await assert.rejects(loadCheckpoint(ck), (e: unknown) => e instanceof CheckpointError && /truncated or corrupt/.test((e as Error).message));
    await writeFile(ck, "garbage!!!!!!");
    await assert.rejects(loadCheckpoint(ck), /bad magic/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("config errors name the field", async () => {
  const dir = await mkdtemp(join(tmpdir(), "llama-ts-train-"));
  try {
    assert.throws(() => parseTrainConfig({ model: {} }, dir), /model\.nEmbd: .*expected number/);
    await assert.rejects(setup(dir, { training: { steps: 10, batchSize: 1, seqLen: 128, lr: 1, minLr: 0, warmupSteps: 0 } }), /seqLen 128 exceeds model.nCtx 64/);
    await assert.rejects(setup(dir, { extra: 1 }), /Unrecognized key/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
