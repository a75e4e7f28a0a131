// llama-ts bench: prompt-processing and generation speed, load time, time to first token and peak
// RSS of this engine, optionally side by side with llama.cpp (node-llama-cpp) on the same file in
// the same run. Each side runs in a child process (its own peak RSS); pp and tg are the best of
// --repetitions runs, as a shared machine's noise only ever slows a run down.

import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { Option, type Command } from "commander";
import { KERNEL_NAMES } from "../../kernels/select.js";
import { defaultThreads } from "../../kernels/select.js";
import { intOption, UsageError } from "../errors.js";
import { benchLlamaCpp, benchOurs, type BenchArgs, type SideResult } from "./bench-sides.js";

interface BenchOpts {
  model?: string;
  nPrompt: number;
  nGen: number;
  threads?: number;
  repetitions: number;
  kernels?: string;
  json?: boolean;
  vsLlamaCpp?: boolean;
  parallel?: number;
  side?: "ours" | "llama.cpp";
}

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("measure prompt and generation speed, load time, first-token latency and peak memory")
    .option("-m, --model <path>", "GGUF model")
    .option("-p, --n-prompt <n>", "prompt tokens for the prompt-processing test", intOption("-p", 1, 4096), 128)
    .option("-n, --n-gen <n>", "tokens for the generation test", intOption("-n", 2, 4096), 64)
    .option("-t, --threads <n>", "compute threads (default: one per core)", intOption("--threads", 1, 1024))
    .option("-r, --repetitions <n>", "runs of each test; the best is reported", intOption("-r", 1, 100), 3)
    .addOption(new Option("--kernels <name>", "compute backend for llama.ts").choices(KERNEL_NAMES))
    .option("--parallel <n>", "also measure n sequences generating together (aggregate tok/s, what a server's continuous batching runs)", intOption("--parallel", 2, 256))
    .option("--json", "print one JSON object instead of a table")
    .option("--vs-llama-cpp", "also run llama.cpp (node-llama-cpp 3.21.1) on the same file and print the ratios")
    .addOption(new Option("--side <side>").choices(["ours", "llama.cpp"]).hideHelp())
    .action(async (opts: BenchOpts) => {
      if (!opts.model) throw new UsageError("No model given", "pass -m <model.gguf>; npm run bench synthesizes the Llama-3.2-1B shape");
      const info = await stat(opts.model).catch(() => undefined);
      if (!info?.isFile()) throw new UsageError(`Model file "${opts.model}" does not exist`, "check the path; create one with: llama-ts synth -o model.gguf --preset 1b");
      const args: BenchArgs = {
        model: opts.model,
        prompt: opts.nPrompt,
        gen: opts.nGen,
        threads: opts.threads ?? defaultThreads(),
        reps: opts.repetitions,
        ...(opts.kernels && { kernels: opts.kernels }),
        ...(opts.parallel && { parallel: opts.parallel }),
      };
      const log = (s: string) => process.stderr.write(`${s}\n`);
      if (opts.side) {
        const r = opts.side === "ours" ? await benchOurs(args, log) : await benchLlamaCpp(args, log);
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const ours = await runSide("ours", args);
      const ref = opts.vsLlamaCpp ? await runSide("llama.cpp", args) : undefined;
      const report = { ...pick(ours), backend: ours.backend, threads: args.threads, ...(ref && { llama_cpp: pick(ref), ratios: ratios(ours, ref) }) };
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(table(args, info.size, ours, ref));
    });
}

/** Runs one side in a child process (same Node flags and CLI entry) and parses its JSON line. */
function runSide(side: "ours" | "llama.cpp", a: BenchArgs): Promise<SideResult> {
  const argv = [...process.execArgv, process.argv[1]!, "bench", "--side", side, "-m", a.model, "-p", String(a.prompt), "-n", String(a.gen), "-t", String(a.threads), "-r", String(a.reps)];
  if (a.kernels) argv.push("--kernels", a.kernels);
  if (a.parallel) argv.push("--parallel", String(a.parallel));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => {
      err += d;
      process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line.startsWith("{")) return resolve(JSON.parse(line) as SideResult);
      const msg = /^error: (.*)$/m.exec(err)?.[1] ?? `exit code ${code}`;
      reject(new Error(`The ${side === "ours" ? "llama.ts" : "llama.cpp"} benchmark failed: ${msg}`));
    });
  });
}

function pick(r: SideResult) {
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    pp_tok_s: round(r.pp_tok_s, 2),
    tg_tok_s: round(r.tg_tok_s, 2),
    ...(r.tg_parallel_tok_s !== undefined && { tg_parallel_tok_s: round(r.tg_parallel_tok_s, 2), batching_gain: round(r.tg_parallel_tok_s / r.tg_tok_s, 3) }),
    load_s: round(r.load_s, 3),
    ttft_s: round(r.ttft_s, 3),
    peak_rss_mb: Math.round(r.peak_rss_mb),
  };
}

/** ours ÷ llama.cpp: above 1 is better for pp and tg, below 1 is better for the others. */
function ratios(a: SideResult, b: SideResult) {
  const q = (x: number, y: number) => Math.round((x / y) * 1000) / 1000;
  const par = a.tg_parallel_tok_s !== undefined && b.tg_parallel_tok_s !== undefined ? { tg_parallel: q(a.tg_parallel_tok_s, b.tg_parallel_tok_s) } : {};
  return { pp: q(a.pp_tok_s, b.pp_tok_s), tg: q(a.tg_tok_s, b.tg_tok_s), ...par, load: q(a.load_s, b.load_s), ttft: q(a.ttft_s, b.ttft_s), peak_rss: q(a.peak_rss_mb, b.peak_rss_mb) };
}

function table(a: BenchArgs, fileBytes: number, ours: SideResult, ref: SideResult | undefined): string {
  const par = a.parallel !== undefined;
  const cols = ["", `pp${a.prompt} tok/s`, `tg${a.gen} tok/s`, ...(par ? [`${a.parallel}×tg${a.gen} tok/s`, "batching gain"] : []), "load s", "first token s", "peak RSS MiB"];
  const parCells = (r: SideResult) => (par ? [r.tg_parallel_tok_s!.toFixed(2), `${(r.tg_parallel_tok_s! / r.tg_tok_s).toFixed(2)}×`] : []);
  const row = (name: string, r: SideResult) => [name, r.pp_tok_s.toFixed(2), r.tg_tok_s.toFixed(2), ...parCells(r), r.load_s.toFixed(2), r.ttft_s.toFixed(3), r.peak_rss_mb.toFixed(0)];
  const rows = [row(`llama.ts (${ours.backend})`, ours)];
  if (ref) {
    rows.push(row("llama.cpp", ref));
    const q = ratios(ours, ref);
    rows.push(["ratio (llama.ts / llama.cpp)", q.pp.toFixed(2), q.tg.toFixed(2), ...(par ? [q.tg_parallel!.toFixed(2), ""] : []), q.load.toFixed(2), q.ttft.toFixed(2), q.peak_rss.toFixed(2)]);
  }
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const head = `${a.model} (${(fileBytes / 2 ** 30).toFixed(2)} GiB), ${a.threads} thread(s), best of ${a.reps} runs\n`;
  return `${head}${fmt(cols)}\n${rows.map(fmt).join("\n")}\n`;
}
