// GFLOP/s of the trainer's sgemm backends on training-typical shapes: the plain-TypeScript
// reference, and the WebAssembly kernels on 1 and 2 threads (more with --threads=1,2,4).
// Usage: npx tsx scripts/bench-sgemm.ts [--build=simd|relaxed] [--threads=1,2] [--no-js] [--seconds=0.5]

import { jsCompute, type TrainCompute } from "../src/train/compute.js";
import { wasmCompute } from "../src/train/wasm-compute.js";

interface Shape {
  label: string;
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
}

const SHAPES: Shape[] = [
  { label: "x·Wᵀ 256→256", transA: false, transB: true, M: 4096, N: 256, K: 256 },
  { label: "x·Wᵀ 256→768", transA: false, transB: true, M: 4096, N: 768, K: 256 },
  { label: "x·Wᵀ 768→256", transA: false, transB: true, M: 4096, N: 256, K: 768 },
  { label: "dY·W (dX)", transA: false, transB: false, M: 4096, N: 256, K: 768 },
  { label: "dYᵀ·X (dW)", transA: true, transB: false, M: 256, N: 256, K: 4096 },
  { label: "dYᵀ·X (dW) 768", transA: true, transB: false, M: 768, N: 256, K: 4096 },
  { label: "logits x·Eᵀ", transA: false, transB: true, M: 4096, N: 2304, K: 256 },
  { label: "attn q·kᵀ", transA: false, transB: true, M: 256, N: 256, K: 32 },
  { label: "attn p·v", transA: false, transB: false, M: 256, N: 32, K: 256 },
];

const argv = process.argv.slice(2);
const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const build = opt("build") as "simd" | "relaxed" | undefined;
const threadCounts = (opt("threads") ?? "1,2").split(",").map(Number);
const seconds = Number(opt("seconds") ?? 0.5);
const withJs = !argv.includes("--no-js");

/** Best-of-runs GFLOP/s over about `seconds` of repeated products. */
function measure(c: TrainCompute, s: Shape): number {
  const { M, N, K, transA, transB } = s;
  const A = c.alloc(M * K);
  const B = c.alloc(K * N);
  const C = c.alloc(M * N);
  for (let i = 0; i < A.length; i++) A[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  for (let i = 0; i < B.length; i++) B[i] = ((i * 104729) % 1000) / 1000 - 0.5;
  const run = () => c.sgemm(transA, transB, M, N, K, 1, A, transA ? M : K, B, transB ? K : N, 0, C, N);
  run();
  let best = Infinity;
  const until = performance.now() + seconds * 1000;
  let runs = 0;
  while (runs < 2 || performance.now() < until) {
    const t = performance.now();
    run();
    best = Math.min(best, performance.now() - t);
    runs++;
  }
  return (2 * M * N * K) / (best * 1e6);
}

const backends: { name: string; make: () => Promise<TrainCompute> }[] = [];
if (withJs) backends.push({ name: "js", make: async () => jsCompute("f32") });
for (const t of threadCounts) backends.push({ name: `wasm×${t}`, make: () => wasmCompute({ threads: t, build }) });

const results: number[][] = SHAPES.map(() => []);
let buildName = "";
for (const b of backends) {
  const c = await b.make();
  if ("build" in c) buildName = String(c.build);
  SHAPES.forEach((s, i) => results[i]!.push(measure(c, s)));
  c.dispose();
}

console.log(`sgemm GFLOP/s (best of ~${seconds} s each; wasm build: ${buildName})`);
const head = ["shape", "tA", "tB", "M", "N", "K", ...backends.map((b) => b.name)];
const rows = SHAPES.map((s, i) => [s.label, s.transA ? "T" : "N", s.transB ? "T" : "N", s.M, s.N, s.K, ...results[i]!.map((g) => g.toFixed(1))].map(String));
const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
for (const r of [head, ...rows]) console.log(r.map((x, j) => (j === 0 ? x.padEnd(widths[j]!) : x.padStart(widths[j]!))).join("  "));
