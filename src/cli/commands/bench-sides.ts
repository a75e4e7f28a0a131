// The two sides of `llama-ts bench`, each run in its own child process so that peak RSS is that
// side's alone: llama.ts (this engine) and llama.cpp through node-llama-cpp on the same file with
// the same threads, batch and context, flash attention off. Both follow one procedure:
//   load → ttft: a 1-token prompt (BOS), greedy → tg: the rest of that n-token generation
//   → pp: a p-token prompt of fixed pseudo-random ids, evaluated into an empty context
//   → with --parallel N: N sequences, each started from its own token, decode n tokens together
//     (llama.ts: one forwardMany per step, as the server's scheduler runs; llama.cpp: N sequences
//     of one context evaluated concurrently, which node-llama-cpp batches into one decode)
// pp and tg repeat `reps` times; each side reports its best and its mean.

export interface BenchArgs {
  model: string;
  prompt: number;
  gen: number;
  threads: number;
  reps: number;
  kernels?: string;
  /** Sequences decoding together in the batched generation test (absent or 1: no such test). */
  parallel?: number;
}

export interface SideResult {
  pp_tok_s: number;
  tg_tok_s: number;
  load_s: number;
  ttft_s: number;
  peak_rss_mb: number;
  pp_mean_tok_s: number;
  tg_mean_tok_s: number;
  /** Aggregate tokens/s of `parallel` sequences decoding together (N·n tokens over the wall time). */
  tg_parallel_tok_s?: number;
  backend: string;
}

/** Fixed pseudo-random prompt ids below `limit` (the same on both sides). */
export function promptTokens(n: number, limit: number): number[] {
  let s = 12345;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % limit;
  });
}

const now = () => performance.now();
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

interface Runs {
  pp: number[];
  tg: number[];
  par: number[];
}

function summarize(backend: string, load: number, ttft: number, runs: Runs): SideResult {
  const best = (a: number[]) => Math.max(...a);
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  return {
    pp_tok_s: best(runs.pp),
    tg_tok_s: best(runs.tg),
    load_s: load / 1000,
    ttft_s: ttft / 1000,
    peak_rss_mb: peakRssMb(),
    pp_mean_tok_s: mean(runs.pp),
    tg_mean_tok_s: mean(runs.tg),
    ...(runs.par.length > 0 && { tg_parallel_tok_s: best(runs.par) }),
    backend,
  };
}

/** Rate of a generation timed per token: tokens after the first over the time since the first. */
function tgRate(stamps: number[]): number {
  return stamps.length > 1 ? ((stamps.length - 1) * 1000) / (stamps[stamps.length - 1]! - stamps[0]!) : 0;
}

export async function benchOurs(a: BenchArgs, log: (s: string) => void): Promise<SideResult> {
  const { loadModel } = await import("../../model/model.js");
  const t0 = now();
  const model = await loadModel(a.model, { threads: a.threads, ...(a.kernels ? { kernels: a.kernels as "js" } : {}) });
  const load = now() - t0;
  try {
    const ctx = model.createContext({ nCtx: Math.max(a.prompt, a.gen + 1) + 16 });
    const first = [model.tokenizer.bos ?? 0];
    const runs: Runs = { pp: [], tg: [], par: [] };
    let ttft = 0;
    for (let r = 0; r < a.reps; r++) {
      ctx.clear();
      const start = now();
      const stamps: number[] = [];
      const it = model.generate(first, { maxTokens: a.gen, temperature: 0, ignoreEog: true, context: ctx });
      for (let x = await it.next(); !x.done; x = await it.next()) stamps.push(now());
      if (r === 0) ttft = stamps[0]! - start;
      runs.tg.push(tgRate(stamps));
      log(`llama.ts tg run ${r + 1}: ${runs.tg[r]!.toFixed(2)} tok/s`);
    }
    const tokens = promptTokens(a.prompt, model.config.nVocab);
    for (let r = 0; r < a.reps; r++) {
      ctx.clear();
      const t = now();
      ctx.prefill(tokens);
      runs.pp.push((a.prompt * 1000) / (now() - t));
      log(`llama.ts pp run ${r + 1}: ${runs.pp[r]!.toFixed(2)} tok/s`);
    }
    if (a.parallel && a.parallel > 1) {
      const { KvCache } = await import("../../model/kv-cache.js");
      const n = a.parallel;
      const caches = Array.from({ length: n }, () => new KvCache(model.config, a.gen + 16, "f16", model.kernels.allocateKv?.bind(model.kernels)));
      for (let r = 0; r < a.reps; r++) {
        let next = promptTokens(n, model.config.nVocab);
        const t = now();
        for (let pos = 0; pos < a.gen; pos++) {
          const logits = model.forwardPass.forwardMany(caches.map((cache, i) => ({ cache, tokens: [next[i]!], pos0: pos, wanted: "last" as const })));
          next = logits.map(argmax);
        }
        runs.par.push((n * a.gen * 1000) / (now() - t));
        log(`llama.ts ${n} sequences run ${r + 1}: ${runs.par[r]!.toFixed(2)} tok/s aggregate`);
      }
    }
    const build = (model.kernels as { build?: string }).build;
    return summarize(build ? `${model.kernels.name}, ${build}` : model.kernels.name, load, ttft, runs);
  } finally {
    model.dispose();
  }
}

export async function benchLlamaCpp(a: BenchArgs, log: (s: string) => void): Promise<SideResult> {
  let mod: typeof import("node-llama-cpp");
  try {
    mod = await import("node-llama-cpp");
  } catch {
    throw new Error("Cannot compare with llama.cpp: node-llama-cpp is not installed (npm i -D node-llama-cpp@3.21.1)");
  }
  const llama = await mod.getLlama({ gpu: false, build: "never", logLevel: "error" as never });
  const t0 = now();
  const model = await llama.loadModel({ modelPath: a.model, gpuLayers: 0 });
  const load = now() - t0;
  const threads = { ideal: a.threads, min: a.threads };
  const ctx = await model.createContext({ contextSize: Math.max(a.prompt, a.gen + 1) + 16, threads, batchSize: 512, flashAttention: false });
  try {
    const seq = ctx.getSequence();
    const bos = model.tokens.bos ?? 0;
    const runs: Runs = { pp: [], tg: [], par: [] };
    let ttft = 0;
    for (let r = 0; r < a.reps; r++) {
      await seq.clearHistory();
      const start = now();
      const stamps: number[] = [];
      for await (const _ of seq.evaluate([bos as never], { temperature: 0 })) {
        stamps.push(now());
        if (stamps.length >= a.gen) break;
      }
      if (r === 0) ttft = stamps[0]! - start;
      runs.tg.push(tgRate(stamps));
      log(`llama.cpp tg run ${r + 1}: ${runs.tg[r]!.toFixed(2)} tok/s`);
    }
    const ids = promptTokens(a.prompt, await vocabSize(a.model));
    for (let r = 0; r < a.reps; r++) {
      await seq.clearHistory();
      const t = now();
      await seq.evaluateWithoutGeneratingNewTokens(ids as never);
      runs.pp.push((a.prompt * 1000) / (now() - t));
      log(`llama.cpp pp run ${r + 1}: ${runs.pp[r]!.toFixed(2)} tok/s`);
    }
    if (a.parallel && a.parallel > 1) {
      const n = a.parallel;
      const ctxN = await model.createContext({ contextSize: n * (a.gen + 16), sequences: n, threads, batchSize: 512, flashAttention: false });
      try {
        const seqs = Array.from({ length: n }, () => ctxN.getSequence());
        const first = promptTokens(n, await vocabSize(a.model));
        for (let r = 0; r < a.reps; r++) {
          for (const s of seqs) await s.clearHistory();
          const t = now();
          await Promise.all(seqs.map(async (s, i) => {
            let count = 0;
            for await (const _ of s.evaluate([first[i] as never], { temperature: 0 })) if (++count >= a.gen) break;
          }));
          runs.par.push((n * a.gen * 1000) / (now() - t));
          log(`llama.cpp ${n} sequences run ${r + 1}: ${runs.par[r]!.toFixed(2)} tok/s aggregate`);
        }
      } finally {
        await ctxN.dispose();
      }
    }
    return summarize("llama.cpp (node-llama-cpp 3.21.1, CPU)", load, ttft, runs);
  } finally {
    await ctx.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

/** Greedy choice: the first index of the largest logit. */
function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** The file's vocabulary size, read with our own GGUF reader (node-llama-cpp does not expose it). */
async function vocabSize(path: string): Promise<number> {
  const { GgufFile } = await import("../../gguf/gguf-file.js");
  const { configFromMetadata } = await import("../../model/config.js");
  const file = await GgufFile.open(path);
  try {
    return configFromMetadata(file.metadata).nVocab;
  } finally {
    await file.close();
  }
}
