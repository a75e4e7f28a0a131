// llama-ts run: generate text from a prompt, streamed to stdout as it is produced.

import type { Command } from "commander";
import { intOption, numberOption, UsageError } from "../errors.js";
import { loadForCli } from "./load.js";
import type { GenerateOptions } from "../../generation/generate.js";
import { InvalidArgumentError } from "commander";
import { KV_CACHE_TYPES, type KvCacheType, type KvCacheTypes } from "../../model/kv-cache.js";

/** --kv-type f16|f32|q8_0 for both, or K,V (e.g. q8_0,f16) like llama.cpp's -ctk/-ctv. */
function kvTypeOption(value: string): KvCacheTypes {
  const parts = value.toLowerCase().split(",");
  const ok = (t: string | undefined): t is KvCacheType => (KV_CACHE_TYPES as readonly string[]).includes(t ?? "");
  if (parts.length === 1 && ok(parts[0])) return parts[0];
  if (parts.length === 2 && ok(parts[0]) && ok(parts[1])) return { k: parts[0], v: parts[1] };
  throw new InvalidArgumentError(`--kv-type takes one of ${KV_CACHE_TYPES.join(", ")}, or K,V such as q8_0,f16, got "${value}"`);
}

interface RunOpts {
  model?: string;
  prompt?: string;
  nPredict: number;
  temp?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repeatPenalty?: number;
  repeatLastN?: number;
  seed?: number;
  threads?: number;
  ctxSize?: number;
  kvType?: KvCacheTypes;
  special?: boolean;
  stop?: string[];
  json?: boolean;
  verbose?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("generate text from a prompt")
    .argument("[prompt]", "the prompt (or use -p)")
    .option("-m, --model <path>", "GGUF model")
    .option("-p, --prompt <text>", "the prompt")
    .option("-n, --n-predict <n>", "tokens to generate (-1: until an end token or the context is full)", intOption("-n", -1), 64)
    .option("--temp <t>", "temperature; 0 = greedy (default 0.8)", numberOption("--temp", 0, 100))
    .option("--top-k <k>", "keep the k most likely tokens, 0 = off (default 40)", intOption("--top-k", 0))
    .option("--top-p <p>", "nucleus sampling threshold, 1 = off (default 0.95)", numberOption("--top-p", 0, 1))
    .option("--min-p <p>", "drop tokens below p × the top probability (default 0.05)", numberOption("--min-p", 0, 1))
    .option("--repeat-penalty <x>", "penalize repeated tokens, 1 = off", numberOption("--repeat-penalty", 0))
    .option("--repeat-last-n <n>", "how many recent tokens the penalty looks at", intOption("--repeat-last-n", -1))
    .option("-s, --seed <n>", "sampling seed (same seed, same text)", intOption("--seed", 0, 0xffffffff))
    .option("-t, --threads <n>", "compute threads (the plain-TypeScript backend uses one)", intOption("--threads", 1, 1024))
    .option("-c, --ctx-size <n>", "context window in tokens (default min(training context, 4096))", intOption("--ctx-size", 1))
    .option("--kv-type <type>", `KV cache type: ${KV_CACHE_TYPES.join(", ")} (default f16), or K,V types such as q8_0,f16`, kvTypeOption)
    .option("--special", "parse special-token text in the prompt (e.g. <|eot_id|>)")
    .option("--stop <s...>", "stop generating at this string (repeatable)")
    .option("--json", "print one JSON object {\"tokens\":[...],\"text\":\"...\"} instead of streaming")
    .option("-v, --verbose", "print timings to stderr")
    .action(async (positional: string | undefined, opts: RunOpts) => {
      const prompt = opts.prompt ?? positional;
      if (prompt === undefined) throw new UsageError("No prompt given", 'pass -p "<prompt>"');
      if (opts.prompt !== undefined && positional !== undefined) throw new UsageError("Give the prompt once: either -p or as an argument");
      const model = await loadForCli(opts.model, opts.threads);
      const gen: GenerateOptions = {
        maxTokens: opts.nPredict,
        parseSpecial: !!opts.special,
        ...(opts.temp !== undefined && { temperature: opts.temp }),
        ...(opts.topK !== undefined && { topK: opts.topK }),
        ...(opts.topP !== undefined && { topP: opts.topP }),
        ...(opts.minP !== undefined && { minP: opts.minP }),
        ...(opts.repeatPenalty !== undefined && { repeatPenalty: opts.repeatPenalty }),
        ...(opts.repeatLastN !== undefined && { repeatLastN: opts.repeatLastN }),
        ...(opts.seed !== undefined && { seed: opts.seed }),
        ...(opts.ctxSize !== undefined && { nCtx: opts.ctxSize }),
        ...(opts.kvType !== undefined && { kvType: opts.kvType }),
        ...(opts.stop && { stop: opts.stop }),
      };
      if (opts.nPredict === -1) delete gen.maxTokens;
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once("SIGINT", onSigint);
      gen.signal = controller.signal;
      try {
        const it = model.generate(prompt, gen);
        let r = await it.next();
        while (!r.done) {
          if (!opts.json) process.stdout.write(r.value.text);
          r = await it.next();
        }
        const result = r.value;
        if (opts.json) process.stdout.write(JSON.stringify({ tokens: result.tokens, text: result.text }) + "\n");
        else process.stdout.write("\n");
        if (opts.verbose) {
          const t = result.timings;
          process.stderr.write(
            `prompt: ${t.promptTokens} tokens (${t.reusedTokens} reused) in ${t.promptMs.toFixed(0)} ms, ${t.promptTokensPerSecond.toFixed(2)} tok/s\n` +
              `generated: ${t.generatedTokens} tokens in ${t.generatedMs.toFixed(0)} ms, ${t.generatedTokensPerSecond.toFixed(2)} tok/s; ` +
              `first token after ${t.timeToFirstTokenMs.toFixed(0)} ms; finish: ${result.finishReason} (${result.stoppedBy}); seed ${result.seed}\n`,
          );
        }
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
