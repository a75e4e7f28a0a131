// llama-ts synth: write a Llama model with seeded random weights and real shapes.

import { access } from "node:fs/promises";
import type { Command } from "commander";
import { PRESETS, type PresetName } from "../../synth/presets.js";
import { SYNTH_TYPES, synthesizeModel, type SynthType, type VocabKind } from "../../synth/synth.js";
import { intOption, numberOption, UsageError } from "../errors.js";
import { progressLine } from "../progress.js";

interface SynthOpts {
  output: string;
  preset: string;
  type: string;
  vocab: string;
  seed: number;
  force?: boolean;
  nEmbd?: number;
  nLayer?: number;
  nHead?: number;
  nHeadKv?: number;
  nFf?: number;
  ctx?: number;
  tied?: boolean;
  ropeScaling?: boolean;
  outputGain?: number;
}

export function registerSynth(program: Command): void {
  program
    .command("synth")
    .description("write a Llama model with seeded random weights (for tests and benchmarks)")
    .requiredOption("-o, --output <path>", "where to write the .gguf file")
    .option("--preset <name>", `model shape: ${Object.keys(PRESETS).join(", ")} (1b = the Llama-3.2-1B shape)`, "tiny")
    .option("--type <type>", `weight type: ${SYNTH_TYPES.join(", ")}`, "Q8_0")
    .option("--vocab <kind>", "vocabulary: llama3 (the real Llama 3.1 tokenizer), spm (SentencePiece), bytes", "llama3")
    .option("--seed <n>", "weight seed", intOption("--seed", 0, 0xffffffff), 1)
    .option("--n-embd <n>", "override the embedding size", intOption("--n-embd", 2))
    .option("--n-layer <n>", "override the layer count", intOption("--n-layer", 1))
    .option("--n-head <n>", "override the attention head count", intOption("--n-head", 1))
    .option("--n-head-kv <n>", "override the KV head count (GQA)", intOption("--n-head-kv", 1))
    .option("--n-ff <n>", "override the feed-forward size", intOption("--n-ff", 1))
    .option("--ctx <n>", "override the training context length", intOption("--ctx", 1))
    .option("--tied", "tie output and embedding weights (no output.weight)")
    .option("--no-tied", "write a separate output.weight")
    .option("--rope-scaling", "write Llama 3.1 rope scaling (rope_freqs.weight)")
    .option("--no-rope-scaling", "no rope scaling")
    .option("--output-gain <x>", "scale of output_norm.weight; larger = more peaked predictions", numberOption("--output-gain", 0))
    .option("-f, --force", "overwrite the output file if it exists")
    .action(async (opts: SynthOpts) => {
      if (!(opts.preset in PRESETS)) throw new UsageError(`Unknown preset "${opts.preset}"`, `use one of: ${Object.keys(PRESETS).join(", ")}`);
      if (!(SYNTH_TYPES as readonly string[]).includes(opts.type)) throw new UsageError(`Unknown type "${opts.type}"`, `use one of: ${SYNTH_TYPES.join(", ")}`);
      if (!["llama3", "spm", "bytes"].includes(opts.vocab)) throw new UsageError(`Unknown vocabulary "${opts.vocab}"`, "use one of: llama3, spm, bytes");
      if (!opts.force && (await access(opts.output).then(() => true, () => false))) {
        throw new UsageError(`"${opts.output}" already exists`, "choose another path, or pass --force to overwrite it");
      }
      const shape = {
        ...(opts.nEmbd !== undefined && { nEmbd: opts.nEmbd }),
        ...(opts.nLayer !== undefined && { nLayer: opts.nLayer }),
        ...(opts.nHead !== undefined && { nHead: opts.nHead }),
        ...(opts.nHeadKv !== undefined && { nHeadKv: opts.nHeadKv }),
        ...(opts.nFf !== undefined && { nFf: opts.nFf }),
        ...(opts.ctx !== undefined && { nCtxTrain: opts.ctx }),
        ...(opts.tied !== undefined && { tiedEmbeddings: opts.tied }),
        ...(opts.ropeScaling !== undefined && { ropeScaling: opts.ropeScaling }),
      };
      const bar = progressLine("writing");
      const started = performance.now();
      let summary;
      try {
        summary = await synthesizeModel(opts.output, {
          preset: opts.preset as PresetName,
          shape,
          type: opts.type as SynthType,
          vocab: opts.vocab as VocabKind,
          seed: opts.seed,
          ...(opts.outputGain !== undefined && { outputGain: opts.outputGain }),
          onProgress: (d, t) => bar.update(d, t),
        });
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      } finally {
        bar.done();
      }
      const s = summary.shape;
      process.stderr.write(
        `wrote ${opts.output}: ${(summary.nParams / 1e6).toFixed(1)} M parameters, ${opts.type}, vocab ${opts.vocab} (${summary.nVocab}), ` +
          `${s.nLayer} layers, ${s.nEmbd} embd, ${s.nHead}/${s.nHeadKv} heads, ${s.nFf} ff, in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
    });
}
