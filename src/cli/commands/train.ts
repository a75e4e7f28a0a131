// llama-ts train: train a Llama from a config file (see src/train/config.ts), with a live progress
// line, checkpoints, resume after an interruption (Ctrl-C saves first) and GGUF export at the end.

import type { Command } from "commander";
import { defaultThreads } from "../../kernels/select.js";
import { readTrainConfig } from "../../train/config.js";
import { createTrainCompute } from "../../train/select-compute.js";
import { loadVocab } from "../../train/tokenizer/vocab-file.js";
import { trainedVocabMetadata } from "../../train/tokenizer/vocab-metadata.js";
import { train, type TrainProgress } from "../../train/trainer.js";
import { intOption } from "../errors.js";

interface TrainOpts {
  config: string;
  resume: boolean;
  threads?: number;
  compute?: string;
  stopAt?: number;
  json?: boolean;
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

function progressText(p: TrainProgress): string {
  const val = p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(3)}` : "";
  return `step ${p.step}/${p.steps} loss ${p.loss.toFixed(3)}${val} lr ${p.lr.toExponential(2)} | ${Math.round(p.tokensPerS)} tok/s ${p.gflops.toFixed(1)} GFLOP/s | ETA ${formatDuration(p.etaS)}`;
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train a Llama-architecture model from a JSON config (checkpoints, resume, GGUF export)")
    .requiredOption("-c, --config <file>", "training config (JSON; see README \"Training\")")
    .option("--no-resume", "start from scratch even if the checkpoint folder has a checkpoint of this run")
    .option("-t, --threads <n>", "compute threads (default: one per core)", intOption("--threads", 1, 256))
    .option("--compute <kind>", "override the config's compute backend: wasm or js")
    .option("--stop-at <step>", "stop (with a checkpoint) after this step; resume later", intOption("--stop-at", 1))
    .option("--json", "print the result as JSON")
    .action(async (opts: TrainOpts) => {
      const config = await readTrainConfig(opts.config);
      const kind = opts.compute ?? config.compute.backend;
      if (!["auto", "wasm", "js"].includes(kind)) throw new Error(`--compute takes wasm or js, got "${kind}"`);
      const threads = opts.threads ?? (config.compute.threads || defaultThreads());
      const { compute, fallbackReason } = await createTrainCompute(kind === "js" ? "js" : "wasm", threads);
      if (fallbackReason) process.stderr.write(`${kind === "wasm" ? "warning" : "note"}: ${fallbackReason}\n`);
      const vocabMetadata = config.data.vocab ? trainedVocabMetadata(await loadVocab(config.data.vocab)) : undefined;
      if (config.export && !vocabMetadata) throw new Error(`${opts.config}: export needs data.vocab (the tokenizer to write into the GGUF)`);

      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        process.stderr.write("\nStopping after this step and saving a checkpoint (Ctrl-C again to quit at once)…\n");
        controller.abort();
      };
      process.on("SIGINT", onSigint);
      const tty = process.stderr.isTTY;
      let lastLine = 0;
      try {
        const r = await train(config, {
          compute, resume: opts.resume, signal: controller.signal, vocabMetadata,
          ...(opts.stopAt !== undefined ? { stopAtStep: opts.stopAt } : {}),
          onLog: (line) => process.stderr.write(`${tty ? "\r\x1b[K" : ""}${line}\n`),
          onProgress: (p) => {
            // A terminal gets one live line; logs get a line every 10 s and at every validation.
            if (tty) process.stderr.write(`\r\x1b[K${progressText(p)}`);
            else if (p.valLoss !== undefined || Date.now() - lastLine > 10_000 || p.step === p.steps) {
              lastLine = Date.now();
              process.stderr.write(`${progressText(p)}\n`);
            }
          },
        });
        if (tty) process.stderr.write("\n");
        const summary = {
          steps_done: r.step, finished: r.finished, n_params: r.nParams, final_val_loss: r.finalValLoss ?? null,
          final_val_ppl: r.finalValLoss !== undefined ? Math.exp(r.finalValLoss) : null,
          train_time_s: Math.round(r.elapsedS), tokens_per_s: Math.round(r.tokensPerS), gflops: Number(r.gflops.toFixed(2)),
          compute: compute.name, checkpoint: r.checkpointPath, exported: r.exportedPath ?? null,
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else {
          process.stdout.write(
            `${r.finished ? "Finished" : "Stopped"} at step ${r.step}: ${r.nParams.toLocaleString("en-US")} parameters, ` +
              `validation loss ${r.finalValLoss?.toFixed(3) ?? "n/a"} (perplexity ${summary.final_val_ppl?.toFixed(2) ?? "n/a"}), ` +
              `${formatDuration(r.elapsedS)} training, ${summary.tokens_per_s} tok/s, ${summary.gflops} GFLOP/s on ${compute.name}\n` +
              `Checkpoint: ${r.checkpointPath}${r.finished ? "" : " (continue with the same command)"}\n` +
              (r.exportedPath ? `Model: ${r.exportedPath}\n` : ""),
          );
        }
      } finally {
        process.off("SIGINT", onSigint);
        compute.dispose();
      }
    });
}
