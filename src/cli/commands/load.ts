// Shared by the commands that need weights: load with a progress bar on stderr.

import { loadModel, type LlamaModel } from "../../model/model.js";
import { progressLine } from "../progress.js";
import { UsageError } from "../errors.js";

export async function loadForCli(path: string | undefined, threads?: number): Promise<LlamaModel> {
  if (!path) {
    throw new UsageError("No model given", "pass -m <model.gguf>; create a test model with: llama-ts synth -o model.gguf --preset small");
  }
  const bar = progressLine("loading");
  try {
    return await loadModel(path, { onProgress: (p) => bar.update(p.loadedBytes, p.totalBytes), ...(threads ? { threads } : {}) });
  } finally {
    bar.done();
  }
}
