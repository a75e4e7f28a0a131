// How the embedded default model is made, start to finish (`npm run train:default`): KJV text
// from Debian's bible-kjv-text and seeded synthetic chat conversations → a 4k byte-level BPE
// vocabulary → token datasets → training → F16 GGUF in models/ → evaluation → model card.
// Every stage is deterministic; stages whose outputs exist are reused, and an interrupted training
// run resumes from its checkpoint, so re-running the command continues where it stopped.

import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { generateConversations } from "./data/synthetic.js";
import { buildDatasets, tokenizePlainText, tokenizerTrainingTexts, type BuildReport } from "./data/build.js";
import { loadKjv } from "./data/kjv.js";
import { buildDataset, readDataset, writeDataset, type TokenDataset } from "./dataset.js";
import { trainBpe } from "./tokenizer/train-bpe.js";
import { loadVocab, saveVocab } from "./tokenizer/vocab-file.js";
import { tokenizerFromVocab, trainedVocabMetadata } from "./tokenizer/vocab-metadata.js";
import { parseTrainConfig, type TrainConfig } from "./config.js";
import { createTrainCompute } from "./select-compute.js";
import { train, LOSS_CURVE_FILE, type TrainProgress, type TrainResult } from "./trainer.js";
import { TrainableLlama } from "./llama-train.js";
import type { TrainCompute } from "./compute.js";
import type { TrainShape } from "./model-shape.js";

export const DEFAULT_VOCAB_SIZE = 4096;

/** The training config, relative to the work folder. Sized to train in about an hour on 2 cores. */
export const DEFAULT_TRAIN_CONFIG = {
  model: { nEmbd: 128, nLayer: 4, nHead: 4, nHeadKv: 2, nFf: 384, nCtx: 512, ropeFreqBase: 10000, normEps: 1e-5, tiedEmbeddings: true },
  data: { train: "train.ltds", validation: "validation.ltds", vocab: "vocab.json" },
  training: { steps: 3000, batchSize: 4, seqLen: 512, gradAccum: 1, lr: 3e-3, minLr: 3e-4, warmupSteps: 100, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, gradClip: 1, initStd: 0.02, seed: 1 },
  eval: { every: 500, batches: 8 },
  checkpoint: { dir: "checkpoints", every: 250 },
  compute: { backend: "wasm", threads: 0 },
  export: {
    path: "llama-ts-default.gguf",
    type: "F16",
    name: "llama.ts default",
    description: "A small Llama trained from scratch by llama.ts (npm run train:default) on KJV text and synthetic chat, facts, arithmetic, unit conversion and tool-call conversations.",
    license: "MIT",
  },
};

export interface RecipeOptions {
  /** Intermediate files: data, vocabulary, datasets, checkpoints (default .cache/default-model). */
  workDir: string;
  /** Where the model, its card, checksum and loss curve go (default models/). */
  outDir: string;
  threads: number;
  log: (line: string) => void;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** Override training steps (quick smoke runs; the shipped model uses the default). */
  steps?: number;
}

export interface RecipeResult {
  config: TrainConfig;
  build: BuildReport;
  train: TrainResult;
  modelPath?: string;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(value, null, 2) + "\n");
  await rename(`${path}.tmp`, path);
}

export async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

/** Stages 1–4: data, vocabulary, datasets, training and export. */
export async function runDefaultRecipe(o: RecipeOptions): Promise<RecipeResult> {
  const w = (f: string) => join(o.workDir, f);
  await mkdir(o.workDir, { recursive: true });
  await mkdir(o.outDir, { recursive: true });
  const kjvDir = join(o.workDir, "kjv");

  o.log("1/4 KJV text (Debian bible-kjv-text, public domain)…");
  const kjv = await loadKjv(kjvDir);

  o.log(`2/4 Tokenizer: byte-level BPE, ${DEFAULT_VOCAB_SIZE} tokens, digits split…`);
  if (!existsSync(w("vocab.json"))) {
    // The vocabulary is learned from the KJV and a slice of the training conversations.
    const sample = generateConversations({ split: "train", count: 20_000, seed: 1 });
    const started = performance.now();
    const vocab = trainBpe(tokenizerTrainingTexts({ kjv: kjv.train, conversations: sample }), { vocabSize: DEFAULT_VOCAB_SIZE, splitDigits: true });
    await saveVocab(w("vocab.json"), vocab);
    o.log(`    ${vocab.tokens.length} tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const vocab = await loadVocab(w("vocab.json"));
  const tokenizer = tokenizerFromVocab(vocab);

  o.log("3/4 Datasets: 50 000 training conversations + KJV (10 % of tokens), held-out validation and test prompts…");
  let build: BuildReport;
  const reportPath = w("build-report.json");
  if (existsSync(reportPath) && existsSync(w("train.ltds")) && existsSync(w("validation.ltds"))) {
    build = JSON.parse(await readFile(reportPath, "utf8")) as BuildReport;
  } else {
    build = await buildDatasets({ tokenizer, outDir: o.workDir, kjv, seed: 1, kjvShare: 0.1 });
    await writeJsonAtomic(reportPath, build);
  }
  o.log(`    train ${build.train.tokens.toLocaleString("en-US")} tokens (${build.train.targetTokens.toLocaleString("en-US")} targets), validation ${build.validation.tokens.toLocaleString("en-US")}, test prompts ${build.testExamples}`);
  if (!existsSync(w("kjv-validation.ltds"))) {
    await writeDataset(w("kjv-validation.ltds"), buildDataset(tokenizer.nVocab, kjv.validation.map((c) => tokenizePlainText(tokenizer, c.text))));
  }

  const raw = structuredClone(DEFAULT_TRAIN_CONFIG) as typeof DEFAULT_TRAIN_CONFIG & { training: { steps: number } };
  if (o.steps !== undefined) raw.training.steps = o.steps;
  await writeJsonAtomic(w("train.json"), raw);
  const config = parseTrainConfig(raw, o.workDir, w("train.json"));

  o.log(`4/4 Training (${config.training.steps} steps of ${config.training.batchSize * config.training.seqLen} tokens)…`);
  const { compute, fallbackReason } = await createTrainCompute("wasm", o.threads);
  if (fallbackReason) o.log(`warning: ${fallbackReason}`);
  try {
    const result = await train(config, {
      compute, resume: true, vocabMetadata: trainedVocabMetadata(vocab), onLog: o.log,
      ...(o.onProgress && { onProgress: o.onProgress }),
      ...(o.signal && { signal: o.signal }),
    });
    const out: RecipeResult = { config, build, train: result };
    if (result.exportedPath) {
      const modelPath = join(o.outDir, "llama-ts-default.gguf");
      await copyFile(result.exportedPath, `${modelPath}.tmp`);
      await rename(`${modelPath}.tmp`, modelPath);
      await copyFile(join(config.checkpoint.dir, LOSS_CURVE_FILE), join(o.outDir, "llama-ts-default-loss.svg"));
      out.modelPath = modelPath;
    }
    return out;
  } finally {
    compute.dispose();
  }
}

/**
 * Mean loss per target token over a whole dataset: consecutive windows of seqLen + 1 tokens
 * (stride seqLen), so every token but the first is scored once.
 */
export function datasetLoss(shape: TrainShape, params: Float32Array, ds: TokenDataset, seqLen: number, batch: number, compute: TrainCompute): { loss: number; targets: number } {
  const model = new TrainableLlama(shape, compute, batch, seqLen);
  model.params.set(params);
  const N = batch * seqLen;
  let nll = 0;
  let targets = 0;
  const starts: number[] = [];
  for (let s = 0; s + 1 < ds.tokens.length; s += seqLen) starts.push(s);
  for (let i = 0; i < starts.length; i += batch) {
    const inputs = new Int32Array(N);
    const tgts = new Int32Array(N);
    const weights = new Float32Array(N);
    for (let b = 0; b < batch && i + b < starts.length; b++) {
      const s = starts[i + b]!;
      for (let t = 0; t < seqLen && s + t + 1 < ds.tokens.length; t++) {
        inputs[b * seqLen + t] = ds.tokens[s + t]!;
        tgts[b * seqLen + t] = ds.tokens[s + t + 1]!;
        weights[b * seqLen + t] = ds.mask[s + t + 1]!;
        targets += ds.mask[s + t + 1]!;
      }
    }
    nll += model.step(inputs, tgts, weights, false);
  }
  return { loss: nll / targets, targets };
}

export async function readRecipeDataset(workDir: string, name: string): Promise<TokenDataset> {
  return readDataset(join(workDir, name));
}
