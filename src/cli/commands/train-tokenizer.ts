// llama-ts train-tokenizer: learn a byte-level BPE vocabulary (Llama 3 split, Llama 3.1 specials)
// from text files and save it as a vocabulary JSON file.

import { access, readFile } from "node:fs/promises";
import type { Command } from "commander";
import { MAX_VOCAB_SIZE, trainBpe } from "../../train/tokenizer/train-bpe.js";
import { saveVocab } from "../../train/tokenizer/vocab-file.js";
import { tokenizerFromVocab } from "../../train/tokenizer/vocab-metadata.js";
import { intOption, UsageError } from "../errors.js";
import { progressLine } from "../progress.js";

interface TrainTokenizerOpts {
  input: string[];
  vocabSize: number;
  splitDigits?: boolean;
  minFrequency: number;
  output: string;
  force?: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

async function readText(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`Input file not found: ${path}`, "check the paths given to -i");
    if (code === "EISDIR") throw new UsageError(`Input "${path}" is a directory`, "give text files to -i, e.g. -i data/*.txt");
    throw e;
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new UsageError(`Input "${path}" is not UTF-8 text`, "convert it to UTF-8 first (e.g. iconv -t UTF-8)");
  }
}

export function registerTrainTokenizer(program: Command): void {
  program
    .command("train-tokenizer")
    .description("train a byte-level BPE vocabulary (Llama 3 style, Llama 3.1 special tokens) on text files")
    .requiredOption("-i, --input <files...>", "UTF-8 text files to learn from")
    .requiredOption("--vocab-size <n>", "total vocabulary: 256 bytes + merges + 256 special tokens", intOption("--vocab-size", 512, MAX_VOCAB_SIZE))
    .option("--split-digits", "never merge two digits, so numbers are tokenized digit by digit")
    .option("--min-frequency <n>", "stop early once no pair occurs this often", intOption("--min-frequency", 1), 2)
    .requiredOption("-o, --output <path>", "where to write the vocabulary (JSON)")
    .option("-f, --force", "overwrite the output file if it exists")
    .action(async (opts: TrainTokenizerOpts) => {
      if (!opts.force && (await access(opts.output).then(() => true, () => false))) {
        throw new UsageError(`"${opts.output}" already exists`, "choose another path, or pass --force to overwrite it");
      }
      const texts: string[] = [];
      for (const path of opts.input) texts.push(await readText(path));
      const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, "utf8"), 0);

      const bar = progressLine("training");
      const started = performance.now();
      let vocab;
      try {
        vocab = trainBpe(texts, {
          vocabSize: opts.vocabSize,
          splitDigits: !!opts.splitDigits,
          minFrequency: opts.minFrequency,
          onProgress: (done, total) => bar.update(done, total),
        });
      } finally {
        bar.done();
      }
      const seconds = (performance.now() - started) / 1000;
      await saveVocab(opts.output, vocab);

      const tokenizer = tokenizerFromVocab(vocab);
      const nTokens = texts.reduce((n, t) => n + tokenizer.encode(t, { addSpecial: false }).length, 0);
      const merged = vocab.tokens.length - 256 - vocab.nSpecial;
      const short = vocab.tokens.length < opts.vocabSize ? ` (no pair left occurring ${opts.minFrequency}+ times)` : "";
      process.stderr.write(
        `wrote ${opts.output}: ${vocab.tokens.length} tokens${short} = 256 bytes + ${merged} merged + ${vocab.nSpecial} special, ` +
          `${vocab.merges.length} merges, trained in ${seconds.toFixed(1)} s on ${(bytes / 1e6).toFixed(2)} MB; ` +
          `${nTokens > 0 ? (bytes / nTokens).toFixed(2) : "-"} bytes per token on the input\n`,
      );
    });
}
