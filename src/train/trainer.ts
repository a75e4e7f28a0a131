// The training loop: initialize (or resume from the checkpoint), then per step sample batches,
// run forward + backward over each micro-batch, clip, AdamW-update, and every so often measure the
// validation loss, write the checkpoint and the loss curve. Every step is a pure function of the
// run's settings and the step number, so an interrupted run resumed from its checkpoint ends with
// exactly the parameters of an uninterrupted one.

import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GgufMetadataEntry } from "../gguf/types.js";
import { SeededRandom } from "../synth/seeded-random.js";
import { checkTrainable, sampleBatch } from "./batches.js";
import { loadCheckpoint, saveCheckpoint, type CheckpointMeta, type HistoryPoint } from "./checkpoint.js";
import type { TrainCompute } from "./compute.js";
import type { TrainConfig } from "./config.js";
import { readDataset, type TokenDataset } from "./dataset.js";
import { exportGguf } from "./export.js";
import { TrainableLlama } from "./llama-train.js";
import type { TrainShape } from "./model-shape.js";
import { AdamW, learningRate } from "./optimizer.js";
import { lossCurveSvg } from "./plot.js";

export const CHECKPOINT_FILE = "checkpoint.ltck";
export const LOSS_CURVE_FILE = "loss.svg";

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  lr: number;
  gradNorm: number;
  valLoss?: number;
  tokensPerS: number;
  gflops: number;
  etaS: number;
}

export interface TrainOptions {
  compute: TrainCompute;
  /** Continue from the checkpoint in checkpoint.dir if there is one (else start fresh). */
  resume?: boolean;
  /** Stop (with a checkpoint) once this many steps are done in total; for tests and time boxes. */
  stopAtStep?: number;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onLog?: (line: string) => void;
  /** `tokenizer.*` GGUF entries for export (else read from data.vocab by the caller). */
  vocabMetadata?: readonly (readonly [string, GgufMetadataEntry])[];
}

export interface TrainResult {
  shape: TrainShape;
  nParams: number;
  step: number;
  finished: boolean;
  history: HistoryPoint[];
  finalValLoss?: number;
  elapsedS: number;
  tokensPerS: number;
  gflops: number;
  checkpointPath: string;
  exportedPath?: string;
  params: Float32Array;
}

/** Settings that must be identical for a resumed run to continue the same trajectory. */
function runDigest(c: TrainConfig, shape: TrainShape, train: TokenDataset): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ shape, training: c.training, nTokens: train.tokens.length, nDocs: train.docStarts.length }));
  h.update(new Uint8Array(train.tokens.buffer, train.tokens.byteOffset, Math.min(train.tokens.byteLength, 1 << 20)));
  return h.digest("hex").slice(0, 16);
}

/** FLOPs of one training token: forward + backward (2×) of every product the step computes. */
export function flopsPerToken(s: TrainShape, seqLen: number): number {
  const hd = s.nEmbd / s.nHead;
  const kvDim = s.nHeadKv * hd;
  const perLayer = s.nEmbd * (2 * s.nEmbd + 2 * kvDim) + 3 * s.nEmbd * s.nFf;
  const matmul = s.nLayer * perLayer + s.nEmbd * s.nVocab;
  // Attention scores and weighted sums, computed over the full T×T square.
  const attention = s.nLayer * 2 * seqLen * s.nEmbd;
  return 6 * (matmul + attention);
}

export function initParams(model: TrainableLlama, initStd: number, seed: number): void {
  const residualScale = 1 / Math.sqrt(2 * model.shape.nLayer);
  model.layout.tensors.forEach((t, i) => {
    const dst = model.view(t);
    if (t.isNorm) {
      dst.fill(1);
      return;
    }
    // Projections back into the residual stream start smaller (GPT-2's scaled init).
    const scaled = t.name.endsWith("attn_output.weight") || t.name.endsWith("ffn_down.weight");
    dst.set(new SeededRandom(seed * 7919 + i).normalArray(t.size, scaled ? initStd * residualScale : initStd));
  });
}

export async function train(c: TrainConfig, opts: TrainOptions): Promise<TrainResult> {
  const log = opts.onLog ?? (() => {});
  const [trainDs, valDs] = await Promise.all([readDataset(c.data.train), readDataset(c.data.validation)]);
  const nVocab = c.model.nVocab ?? trainDs.nVocab;
  if (trainDs.nVocab > nVocab || valDs.nVocab > nVocab) throw new RangeError(`The datasets use a vocabulary of ${Math.max(trainDs.nVocab, valDs.nVocab)} tokens but model.nVocab is ${nVocab}`);
  const shape: TrainShape = { ...c.model, nVocab };
  const t = c.training;
  checkTrainable(trainDs, t.seqLen, "training");
  checkTrainable(valDs, t.seqLen, "validation");

  const model = new TrainableLlama(shape, opts.compute, t.batchSize, t.seqLen);
  const opt = new AdamW(model.layout, { lr: t.lr, beta1: t.beta1, beta2: t.beta2, eps: t.eps, weightDecay: t.weightDecay, gradClip: t.gradClip });
  const digest = runDigest(c, shape, trainDs);
  await mkdir(c.checkpoint.dir, { recursive: true });
  const ckPath = join(c.checkpoint.dir, CHECKPOINT_FILE);

  let step = 0;
  let history: HistoryPoint[] = [];
  let elapsedBefore = 0;
  let resumed = false;
  if (opts.resume) {
    const ck = await loadCheckpoint(ckPath).catch((err: Error) => {
      if (/not found/.test(err.message)) return undefined;
      throw err;
    });
    if (ck) {
      if (ck.meta.runDigest !== digest) {
        throw new Error(`${ckPath} belongs to a different run (model shape, training settings or data changed); move it away or pass a new checkpoint.dir`);
      }
      model.params.set(ck.params);
      opt.m.set(ck.m);
      opt.v.set(ck.v);
      step = ck.meta.step;
      history = ck.meta.history;
      elapsedBefore = ck.meta.elapsedS;
      resumed = true;
      log(`Resuming from step ${step} of ${t.steps} (${ckPath})`);
    }
  }
  if (!resumed) initParams(model, t.initStd, t.seed);

  const tokensPerStep = t.batchSize * t.seqLen * t.gradAccum;
  const flopsPerStep = flopsPerToken(shape, t.seqLen) * tokensPerStep;
  const endStep = Math.min(t.steps, opts.stopAtStep ?? t.steps);
  let segmentStart = performance.now();
  let segmentSteps = 0;

  const validate = (): number => {
    let nll = 0;
    let count = 0;
    for (let i = 0; i < c.eval.batches; i++) {
      const b = sampleBatch(valDs, t.seqLen, t.batchSize, t.seed ^ 0x5eed, 0, i);
      nll += model.step(b.inputs, b.targets, b.mask, false);
      for (const m of b.mask) count += m;
    }
    return count ? nll / count : NaN;
  };

  const save = async (): Promise<void> => {
    const meta: CheckpointMeta = { shape, step, nParams: model.layout.nParams, runDigest: digest, history, elapsedS: elapsedBefore + (performance.now() - segmentStart) / 1000 };
    await saveCheckpoint(ckPath, { meta, params: Float32Array.from(model.params), m: opt.m, v: opt.v });
    await writeFile(join(c.checkpoint.dir, LOSS_CURVE_FILE), lossCurveSvg(history, `${c.export?.name ?? "training"}: ${model.layout.nParams.toLocaleString("en-US")} parameters`));
  };

  while (step < endStep && !opts.signal?.aborted) {
    const lr = learningRate(step, t);
    model.grads.fill(0);
    const batches = Array.from({ length: t.gradAccum }, (_, micro) => sampleBatch(trainDs, t.seqLen, t.batchSize, t.seed, step, micro));
    let targets = 0;
    for (const b of batches) for (const m of b.mask) targets += m;
    let loss = 0;
    for (const b of batches) {
      // Each target weighs 1 / (targets in the whole step), so accumulation equals one big batch.
      const w = Float32Array.from(b.mask, (m) => (targets ? m / targets : 0));
      loss += model.step(b.inputs, b.targets, w, true);
    }
    const gradNorm = opt.update(model.params, model.grads, step + 1, lr);
    step++;
    segmentSteps++;
    const point: HistoryPoint = { step, loss, lr, gradNorm };
    if (step % c.eval.every === 0 || step === t.steps) point.valLoss = validate();
    history.push(point);
    const secs = (performance.now() - segmentStart) / 1000;
    opts.onProgress?.({
      step, steps: t.steps, loss, lr, gradNorm, valLoss: point.valLoss,
      tokensPerS: (segmentSteps * tokensPerStep) / secs,
      gflops: (segmentSteps * flopsPerStep) / secs / 1e9,
      etaS: ((t.steps - step) * secs) / segmentSteps,
    });
    if (step % c.checkpoint.every === 0 && step < endStep) await save();
  }
  await save();
  const elapsedS = elapsedBefore + (performance.now() - segmentStart) / 1000;
  const secs = (performance.now() - segmentStart) / 1000;
  const finished = step >= t.steps;
  const lastVal = [...history].reverse().find((p) => p.valLoss !== undefined)?.valLoss;
  const result: TrainResult = {
    shape, nParams: model.layout.nParams, step, finished, history, elapsedS,
    tokensPerS: segmentSteps ? (segmentSteps * tokensPerStep) / secs : 0,
    gflops: segmentSteps ? (segmentSteps * flopsPerStep) / secs / 1e9 : 0,
    checkpointPath: ckPath, params: Float32Array.from(model.params),
  };
  if (lastVal !== undefined) result.finalValLoss = lastVal;
  if (finished && c.export) {
    if (!opts.vocabMetadata) throw new Error("Export needs the tokenizer: set data.vocab in the config");
    const extra: [string, GgufMetadataEntry][] = [];
    const { md } = await import("../gguf/metadata.js");
    if (c.export.description) extra.push(["general.description", md.string(c.export.description)]);
    if (c.export.license) extra.push(["general.license", md.string(c.export.license)]);
    await exportGguf(c.export.path, { shape, layout: model.layout, params: model.params, type: c.export.type, vocabMetadata: opts.vocabMetadata, name: c.export.name, extraMetadata: extra });
    result.exportedPath = c.export.path;
    log(`Exported ${c.export.type} GGUF to ${c.export.path}`);
  }
  segmentStart = performance.now();
  return result;
}
