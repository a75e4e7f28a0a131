// A trained vocabulary on disk: one JSON object that tokenizer training writes and data preparation,
// model training and GGUF export read back. Written atomically so an interrupted run never leaves
// a half-written file where a good one was.

import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { TrainedVocabError, validateTrainedVocab, type TrainedVocab } from "./trained-vocab.js";

const FORMAT = "llama-ts.bpe-vocab";
const VERSION = 1;

export async function saveVocab(path: string, v: TrainedVocab): Promise<void> {
  validateTrainedVocab(v);
  const json = JSON.stringify({ format: FORMAT, version: VERSION, nSpecial: v.nSpecial, tokens: v.tokens, merges: v.merges });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, json + "\n");
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function loadVocab(path: string): Promise<TrainedVocab> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new TrainedVocabError(`Vocabulary file not found: ${path}`);
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TrainedVocabError(`${path}: not valid JSON (${(err as Error).message}); truncated or not a vocabulary file?`);
  }
  const o = parsed as Record<string, unknown> | null;
  if (typeof o !== "object" || o === null || o.format !== FORMAT) {
    throw new TrainedVocabError(`${path}: not a llama-ts vocabulary file (expected "format": "${FORMAT}")`);
  }
  if (o.version !== VERSION) throw new TrainedVocabError(`${path}: unsupported vocabulary file version ${JSON.stringify(o.version)} (this build reads ${VERSION})`);
  const v = { tokens: o.tokens, merges: o.merges, nSpecial: o.nSpecial };
  validateTrainedVocab(v, path);
  return v;
}
