// The backends every kernel test runs against: the plain-TS reference and the WebAssembly SIMD
// kernels on one thread and on a two-thread pool (row counts in the tests are rarely multiples of
// the 16-row chunk alignment, so chunks end mid-tile), and the SIMD128 build too when the engine
// picked the relaxed-SIMD one.

import { after } from "node:test";
import { jsKernels } from "../../src/kernels/js/index.js";
import type { Kernels } from "../../src/kernels/kernels.js";
import { kernelModule, kernelModuleBuild } from "../../src/kernels/wasm/kernel-module.js";
import { WasmKernels } from "../../src/kernels/wasm/wasm-kernels.js";

export const reference: Kernels = jsKernels;

export interface Backend {
  name: string;
  kernels: WasmKernels;
}

/**
 * The engine's build on one and two threads, plus the other build on one thread when it is not
 * the same (the SIMD128 fallback when relaxed SIMD is in use), so CI tests both.
 */
export async function wasmBackends(): Promise<Backend[]> {
  const module = await kernelModule();
  const single = await WasmKernels.create(module, { threads: 1 });
  const threaded = await WasmKernels.create(module, { threads: 2 });
  const list: Backend[] = [
    { name: `wasm-simd (${single.build})`, kernels: single },
    { name: `wasm-simd-threads (${threaded.build})`, kernels: threaded },
  ];
  if (single.build === "relaxed") {
    const plain = await WasmKernels.create(await kernelModuleBuild("simd"), { threads: 1 });
    list.push({ name: "wasm-simd (simd128)", kernels: plain });
  }
  after(() => list.forEach((b) => b.kernels.dispose()));
  return list;
}

/** Seeded uniform values in [-1, 1) (LCG), so failures reproduce. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

export function randomArray(n: number, rnd: () => number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() * scale;
  return a;
}

/** Largest |a − b| relative to `norm` (elementwise, or a shared norm per element). */
export function maxRelDiff(a: Float32Array, b: Float32Array, norm: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(norm(i), 1e-30);
    if (!(d <= worst)) worst = d; // NaN propagates as a failure
  }
  return worst;
}

export function firstMismatch(a: Float32Array, b: Float32Array): string | undefined {
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) return `index ${i}: reference ${a[i]}, wasm ${b[i]}`;
  }
  return undefined;
}
