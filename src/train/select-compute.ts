// Chooses the trainer's compute backend: "wasm" (WebAssembly SIMD sgemm, optionally threaded) or
// "js" (the plain-TypeScript reference). A wasm request that cannot be met falls back to js and
// says why, so a run on an engine without SIMD, shared memory or the built module still trains.

import { jsCompute, type TrainCompute } from "./compute.js";

export interface SelectedCompute {
  compute: TrainCompute;
  /** Why "wasm" was asked for but "js" was given; absent when the request was met. */
  fallbackReason?: string;
}

export async function createTrainCompute(kind: "js" | "wasm", threads: number): Promise<SelectedCompute> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`Thread count must be a positive integer, got ${threads}`);
  if (kind === "js") return { compute: jsCompute("f32") };
  if (kind !== "wasm") throw new RangeError(`Unknown trainer compute "${String(kind)}"; expected "js" or "wasm"`);
  try {
    // Loaded on demand: the thread pool needs Node's worker_threads, which js-only runs do not.
    const { wasmCompute } = await import("./wasm-compute.js");
    return { compute: await wasmCompute({ threads }) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { compute: jsCompute("f32"), fallbackReason: `WebAssembly compute unavailable (${why}); using the plain-TypeScript backend` };
  }
}
