// `npm run train:default`: rebuilds the embedded default model from scratch (see
// src/train/default-recipe.ts): data, tokenizer, training (resumable: run it again after an
// interruption), export to models/, evaluation and the model card.
//   --threads N   compute threads (default: one per core)
//   --steps N     a shorter run for a smoke test (writes to .cache/default-model-smoke, not models/)

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { defaultThreads } from "../src/kernels/select.js";
import { runDefaultRecipe } from "../src/train/default-recipe.js";
import { formatDuration } from "../src/cli/commands/train.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { threads: { type: "string" }, steps: { type: "string" } } });
const threads = values.threads ? Number(values.threads) : defaultThreads();
const steps = values.steps ? Number(values.steps) : undefined;
if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads takes a positive integer, got "${values.threads}"`);
if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) throw new Error(`--steps takes a positive integer, got "${values.steps}"`);
const smoke = steps !== undefined;
const workDir = join(root, ".cache", smoke ? "default-model-smoke" : "default-model");
const outDir = smoke ? join(workDir, "out") : join(root, "models");

const started = Date.now();
const log = (line: string) => process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[K" : ""}[${formatDuration((Date.now() - started) / 1000)}] ${line}\n`);
const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(130);
  log("Stopping after this step and saving a checkpoint; run the command again to continue.");
  controller.abort();
});
let lastLine = 0;
const r = await runDefaultRecipe({
  workDir, outDir, threads, log, signal: controller.signal, ...(steps !== undefined && { steps }),
  onProgress: (p) => {
    const text = `step ${p.step}/${p.steps} loss ${p.loss.toFixed(3)}${p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(3)}` : ""} | ${Math.round(p.tokensPerS)} tok/s ${p.gflops.toFixed(1)} GFLOP/s | ETA ${formatDuration(p.etaS)}`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
    else if (p.valLoss !== undefined || Date.now() - lastLine > 30_000 || p.step === p.steps) {
      lastLine = Date.now();
      log(text);
    }
  },
});
if (!r.train.finished) {
  log(`Stopped at step ${r.train.step}; run the command again to continue.`);
  process.exit(1);
}
log(`Trained ${r.train.nParams.toLocaleString("en-US")} parameters in ${formatDuration(r.train.elapsedS)}; model at ${r.modelPath}`);

if (!smoke || process.env.LLAMA_TS_SMOKE_EVAL === "1") {
  const { evaluateDefaultModel, writeModelCard, TARGETS } = await import("../src/train/model-card.js");
  const { sha256File } = await import("../src/train/default-recipe.js");
  const { writeFile } = await import("node:fs/promises");
  const ev = await evaluateDefaultModel(r, workDir, threads, log);
  const modelPath = r.modelPath!;
  await writeFile(`${modelPath}.sha256`, `${await sha256File(modelPath)}  ${modelPath.split("/").pop()}\n`);
  await writeModelCard(join(outDir, "llama-ts-default.md"), r, ev, modelPath, threads);
  log(`Held-out loss ${ev.validationLoss.toFixed(3)} (perplexity ${ev.validationPerplexity.toFixed(2)}), KJV perplexity ${ev.kjvPerplexity.toFixed(2)}`);
  log(`Exact answers ${(100 * ev.answerAccuracy).toFixed(1)} % (target ${100 * TARGETS.answers} %), valid tool calls ${(100 * ev.toolCallAccuracy).toFixed(1)} % (target ${100 * TARGETS.toolCalls} %)`);
  log(`Model card: ${join(outDir, "llama-ts-default.md")}`);
}
