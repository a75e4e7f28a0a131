// llama-ts eval-tasks: a model's accuracy on held-out task prompts (the tasks-*.json files the
// training data build writes): exact answers per family, valid calls to the right tool.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { modelAnswerer } from "../../eval/model-answerer.js";
import { evaluateTasks, validateTaskExamples, type TaskEvaluation } from "../../eval/tasks.js";
import { intOption, UsageError } from "../errors.js";
import { loadForCli } from "./load.js";

interface EvalTasksOpts {
  model?: string;
  tasks: string;
  limit?: number;
  nPredict: number;
  grammar?: boolean;
  threads?: number;
  ctxSize?: number;
  json?: boolean;
  verbose?: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export function formatTaskTable(ev: TaskEvaluation): string {
  const rows = [["family", "prompts", "correct", "accuracy", "exact args"]];
  for (const f of ev.families) {
    rows.push([f.family, String(f.total), String(f.correct), pct(f.accuracy), f.exactArgumentRate === undefined ? "" : pct(f.exactArgumentRate)]);
  }
  rows.push(["all", String(ev.overall.total), String(ev.overall.correct), pct(ev.overall.accuracy), ""]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}

export function registerEvalTasks(program: Command): void {
  program
    .command("eval-tasks")
    .description("score a model on held-out task prompts (arithmetic, facts, conversions, tool calls)")
    .option("-m, --model <path>", "GGUF model")
    .requiredOption("--tasks <file>", "JSON array of task examples (e.g. tasks-test.json from the training data build)")
    .option("--limit <n>", "evaluate only the first n examples", intOption("--limit", 1))
    .option("-n, --n-predict <n>", "most tokens per reply", intOption("-n", 1), 64)
    .option("--grammar", "decode tool prompts under the tool-call grammar (default: the model's raw output)")
    .option("-t, --threads <n>", "compute threads", intOption("--threads", 1, 1024))
    .option("-c, --ctx-size <n>", "context window in tokens", intOption("--ctx-size", 1))
    .option("--json", "print the full evaluation (scores and every reply) as JSON")
    .option("-v, --verbose", "print each wrong reply to stderr")
    .action(async (opts: EvalTasksOpts) => {
      let data: unknown;
      try {
        data = JSON.parse(await readFile(opts.tasks, "utf8"));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(code === "ENOENT" ? `Task file not found: ${opts.tasks}` : `Cannot read ${opts.tasks}: ${(err as Error).message}`);
      }
      validateTaskExamples(data, opts.tasks);
      const examples = opts.limit !== undefined ? data.slice(0, opts.limit) : data;
      const model = await loadForCli(opts.model, opts.threads);
      const answer = modelAnswerer(model, { maxTokens: opts.nPredict, ...(opts.grammar && { grammar: true }), ...(opts.ctxSize !== undefined && { nCtx: opts.ctxSize }) });
      const ev = await evaluateTasks(examples, answer, {
        onResult: (r, done, total) => {
          if (opts.verbose && !r.correct) process.stderr.write(`${r.id} (${r.family}): ${r.reason}: ${JSON.stringify(r.reply)}\n`);
          if (!opts.json && process.stderr.isTTY) process.stderr.write(`\r${done}/${total}`);
        },
      });
      if (!opts.json && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
      process.stdout.write(opts.json ? JSON.stringify(ev) + "\n" : formatTaskTable(ev));
    });
}
