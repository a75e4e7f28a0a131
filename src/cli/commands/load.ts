// Shared by the commands that need weights: load with a progress bar on stderr.

import { DEFAULT_MODEL_ID, defaultModelPath, hasDefaultModel } from "../../model/default-model.js";
import { loadModel, type LlamaModel } from "../../model/model.js";
import { basename } from "node:path";
import { progressLine } from "../progress.js";
import { UsageError } from "../errors.js";

/** The model a command uses: -m's path, else the embedded default model. */
export function resolveModelPath(path: string | undefined): { path: string; id: string; isDefault: boolean } {
  if (path) return { path, id: basename(path).replace(/\.gguf$/i, ""), isDefault: false };
  if (!hasDefaultModel()) {
    throw new UsageError(`No model given, and the embedded default model is missing (${defaultModelPath()})`, "pass -m <model.gguf>, or rebuild the default with: npm run train:default");
  }
  return { path: defaultModelPath(), id: DEFAULT_MODEL_ID, isDefault: true };
}

export async function loadForCli(given: string | undefined, threads?: number): Promise<LlamaModel> {
  const { path } = resolveModelPath(given);
  const bar = progressLine("loading");
  try {
    return await loadModel(path, { onProgress: (p) => bar.update(p.loadedBytes, p.totalBytes), ...(threads ? { threads } : {}) });
  } finally {
    bar.done();
  }
}
