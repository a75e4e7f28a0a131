// llama-ts synth: write a Llama model with seeded random weights and real shapes.

import { access, readdir } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { Command } from "commander";
import { PRESETS, type PresetName } from "../../synth/presets.js";
import { SYNTH_TYPES, synthesizeModel, type SynthType, type VocabKind } from "../../synth/synth.js";
import { InvalidArgumentError } from "commander";
import { parseSplitName } from "../../gguf/split.js";
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
  splitMaxSize?: number;
  splitMaxTensors?: number;
}

/** gguf-split's size syntax: 500M, 2G (decimal, as gguf-split counts), also K or plain bytes. */
function sizeOption(value: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(value.trim());
  const n = m ? Number(m[1]) * { "": 1, K: 1e3, M: 1e6, G: 1e9 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G"] : NaN;
  if (!m || !(n > 0)) throw new InvalidArgumentError(`--split-max-size takes a positive size such as 64M or 2G, got "${value}"`);
  return n;
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
    .option("--split-max-size <size>", "write gguf-split shards of at most this much tensor data (e.g. 64M, 2G): <output>-00001-of-0000N.gguf …", sizeOption)
    .option("--split-max-tensors <n>", "write gguf-split shards of at most n tensors", intOption("--split-max-tensors", 1))
    .option("-f, --force", "overwrite the output file if it exists")
    .action(async (opts: SynthOpts) => {
      if (!(opts.preset in PRESETS)) throw new UsageError(`Unknown preset "${opts.preset}"`, `use one of: ${Object.keys(PRESETS).join(", ")}`);
      if (!(SYNTH_TYPES as readonly string[]).includes(opts.type)) throw new UsageError(`Unknown type "${opts.type}"`, `use one of: ${SYNTH_TYPES.join(", ")}`);
      if (!["llama3", "spm", "bytes"].includes(opts.vocab)) throw new UsageError(`Unknown vocabulary "${opts.vocab}"`, "use one of: llama3, spm, bytes");
      const splitting = opts.splitMaxSize !== undefined || opts.splitMaxTensors !== undefined;
      if (splitting && parseSplitName(opts.output)) {
        throw new UsageError(`"${opts.output}" already looks like a shard name`, "give the output as <name>.gguf; the shards become <name>-00001-of-0000N.gguf");
      }
      const firstPath = splitting ? `${opts.output.replace(/\.gguf$/i, "")}-00001-of-` : opts.output;
      const exists = splitting
        ? await readdir(dirname(firstPath)).then((names) => names.some((n) => n.startsWith(basename(firstPath))), () => false)
        : await access(opts.output).then(() => true, () => false);
      if (!opts.force && exists) {
        throw new UsageError(`"${splitting ? `${firstPath}*` : opts.output}" already exists`, "choose another path, or pass --force to overwrite it");
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
          ...(splitting && {
            split: {
              ...(opts.splitMaxSize !== undefined && { maxShardBytes: opts.splitMaxSize }),
              ...(opts.splitMaxTensors !== undefined && { maxShardTensors: opts.splitMaxTensors }),
            },
          }),
        });
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      } finally {
        bar.done();
      }
      const s = summary.shape;
      const written = summary.paths.length > 1 || splitting ? `${summary.paths.length} shards (${summary.paths.join(", ")})` : opts.output;
      process.stderr.write(
        `wrote ${written}: ${(summary.nParams / 1e6).toFixed(1)} M parameters, ${opts.type}, vocab ${opts.vocab} (${summary.nVocab}), ` +
          `${s.nLayer} layers, ${s.nEmbd} embd, ${s.nHead}/${s.nHeadKv} heads, ${s.nFf} ff, in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
    });
}
