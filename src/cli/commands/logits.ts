// llama-ts logits: the raw next-token logits for a token sequence (the conformance contract).

import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { loadForCli } from "./load.js";

export function registerLogits(program: Command): void {
  program
    .command("logits")
    .description("print the raw logits of the last position (or of every position with --all)")
    .requiredOption("-m, --model <path>", "GGUF model")
    .requiredOption("--tokens <ids>", "comma-separated token ids, e.g. 128000,9906,1917")
    .option("--all", "one row of logits per position")
    .option("--json", "print JSON: {\"n_vocab\":N,\"logits\":[...]}")
    .action(async (opts: { model: string; tokens: string; all?: boolean; json?: boolean }) => {
      const tokens = opts.tokens.split(",").map((s) => s.trim());
      if (tokens.length === 0 || tokens.some((s) => !/^\d+$/.test(s))) {
        throw new UsageError(`--tokens must be comma-separated non-negative integers, got "${opts.tokens}"`);
      }
      const model = await loadForCli(opts.model);
      const ids = tokens.map(Number);
      const bad = ids.find((t) => t >= model.config.nVocab);
      if (bad !== undefined) throw new UsageError(`Token id ${bad} is out of range for a vocabulary of ${model.config.nVocab}`);
      const rows = model.logits(ids, { all: !!opts.all });
      const logits = opts.all ? rows.map((r) => Array.from(r)) : Array.from(rows[0]!);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ n_vocab: model.config.nVocab, logits }) + "\n");
        return;
      }
      for (const [i, r] of rows.entries()) {
        let best = 0;
        for (let j = 1; j < r.length; j++) if (r[j]! > r[best]!) best = j;
        process.stdout.write(`position ${opts.all ? i : ids.length - 1}: argmax ${best} (${r[best]!.toFixed(4)}) ${JSON.stringify(model.tokenizer.tokenText(best))}\n`);
      }
    });
}
