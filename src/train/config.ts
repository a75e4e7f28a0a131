// The training configuration file (`llama-ts train --config file.json`), validated with zod so a
// typo is an error naming the field rather than a default silently used. Paths are relative to
// the file's folder.

import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { EXPORT_TYPES } from "./export.js";

const positiveInt = z.number().int().positive();
const positive = z.number().positive();

export const trainConfigSchema = z.object({
  model: z.object({
    /** Defaults to the tokenizer's vocabulary size. */
    nVocab: positiveInt.optional(),
    nEmbd: positiveInt,
    nLayer: positiveInt,
    nHead: positiveInt,
    nHeadKv: positiveInt,
    nFf: positiveInt,
    nCtx: positiveInt,
    ropeFreqBase: positive.default(10000),
    normEps: positive.default(1e-5),
    tiedEmbeddings: z.boolean().default(true),
  }).strict(),
  data: z.object({
    train: z.string().min(1),
    validation: z.string().min(1),
    /** Tokenizer vocabulary (`llama-ts train-tokenizer` output), written into the exported GGUF. */
    vocab: z.string().min(1).optional(),
  }).strict(),
  training: z.object({
    steps: positiveInt,
    batchSize: positiveInt,
    /** Tokens per sequence (at most model.nCtx). */
    seqLen: positiveInt,
    gradAccum: positiveInt.default(1),
    lr: positive,
    minLr: z.number().nonnegative(),
    warmupSteps: z.number().int().nonnegative(),
    weightDecay: z.number().nonnegative().default(0.1),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.95),
    eps: positive.default(1e-8),
    gradClip: z.number().nonnegative().default(1),
    initStd: positive.default(0.02),
    seed: z.number().int().nonnegative().default(1),
  }).strict(),
  eval: z.object({ every: positiveInt, batches: positiveInt }).strict().default({ every: 100, batches: 4 }),
  checkpoint: z.object({ dir: z.string().min(1), every: positiveInt }).strict(),
  compute: z.object({
    backend: z.enum(["auto", "wasm", "js"]).default("auto"),
    /** 0: one per core. */
    threads: z.number().int().nonnegative().default(0),
  }).strict().default({ backend: "auto", threads: 0 }),
  export: z.object({
    path: z.string().min(1),
    type: z.enum(EXPORT_TYPES).default("F16"),
    name: z.string().min(1).default("llama.ts trained model"),
    description: z.string().optional(),
    license: z.string().optional(),
  }).strict().optional(),
}).strict();

export type TrainConfig = z.infer<typeof trainConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Validates a parsed config object; `baseDir` resolves its relative paths. */
export function parseTrainConfig(raw: unknown, baseDir: string, source = "config"): TrainConfig {
  const r = trainConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(`${source}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const c = r.data;
  if (c.training.seqLen > c.model.nCtx) throw new ConfigError(`${source}: training.seqLen ${c.training.seqLen} exceeds model.nCtx ${c.model.nCtx}`);
  if (c.training.minLr > c.training.lr) throw new ConfigError(`${source}: training.minLr ${c.training.minLr} exceeds training.lr ${c.training.lr}`);
  if (c.training.warmupSteps > c.training.steps) throw new ConfigError(`${source}: training.warmupSteps ${c.training.warmupSteps} exceeds training.steps ${c.training.steps}`);
  const at = (p: string) => resolve(baseDir, p);
  c.data.train = at(c.data.train);
  c.data.validation = at(c.data.validation);
  if (c.data.vocab) c.data.vocab = at(c.data.vocab);
  c.checkpoint.dir = at(c.checkpoint.dir);
  if (c.export) c.export.path = at(c.export.path);
  return c;
}

export async function readTrainConfig(path: string): Promise<TrainConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new ConfigError(`Config file not found: ${path}`);
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseTrainConfig(raw, dirname(resolve(path)), path);
}
