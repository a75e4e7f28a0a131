// Backend selection, in one place: "wasm-simd-threads" (WebAssembly SIMD on a worker pool),
// "wasm-simd" (same kernels on the calling thread) or "js" (the plain-TypeScript reference).
// Default: WebAssembly with one thread per core, falling back to js where WebAssembly SIMD or the
// built module is unavailable. LLAMA_TS_KERNELS=js|wasm-simd|wasm-simd-threads overrides it.

import { UnsupportedError } from "../errors.js";
import { jsKernels } from "./js/index.js";
import type { Kernels } from "./kernels.js";
import { kernelModule, sharedMemorySupported, simdSupported } from "./wasm/kernel-module.js";
import { WasmKernels } from "./wasm/wasm-kernels.js";

export const KERNEL_NAMES = ["wasm-simd-threads", "wasm-simd", "js"] as const;
export type KernelsName = (typeof KERNEL_NAMES)[number];

export interface SelectKernelsOptions {
  /** A backend by name; default LLAMA_TS_KERNELS, else the fastest available. */
  kernels?: KernelsName;
  /** Threads including the calling one; default one per core. */
  threads?: number;
}

/** Cores available to this process (Node), or the browser's hardwareConcurrency. */
export function defaultThreads(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { versions?: { node?: string } } };
  if (g.navigator?.hardwareConcurrency) return g.navigator.hardwareConcurrency;
  return nodeCores ?? 1;
}

let nodeCores: number | undefined;
if ((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node) {
  const os = await import("node:os");
  nodeCores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

function envChoice(): KernelsName | undefined {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.LLAMA_TS_KERNELS;
  if (v === undefined || v === "") return undefined;
  if (!(KERNEL_NAMES as readonly string[]).includes(v)) {
    throw new RangeError(`LLAMA_TS_KERNELS is "${v}"; expected one of ${KERNEL_NAMES.join(", ")}`);
  }
  return v as KernelsName;
}

/**
 * Creates the compute backend for one model. WebAssembly backends own threads and memory: call
 * `dispose()` on them (LlamaModel.dispose does) when done.
 */
export async function selectKernels(opts: SelectKernelsOptions = {}): Promise<Kernels> {
  const threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`Thread count must be a positive integer, got ${threads}`);
  const explicit = opts.kernels ?? envChoice();
  if (explicit === "js") return jsKernels;
  if (!simdSupported()) {
    if (explicit) throw new UnsupportedError(`Kernels "${explicit}" need WebAssembly SIMD, which this engine lacks`, explicit);
    return jsKernels;
  }
  // The pool is built on Node's worker_threads; elsewhere (browsers) the kernels run on one thread.
  const useThreads = explicit === "wasm-simd" || nodeCores === undefined || !sharedMemorySupported() ? 1 : threads;
  if (explicit === "wasm-simd-threads" && useThreads > 1 !== threads > 1) {
    throw new UnsupportedError("Kernels \"wasm-simd-threads\" need Node's worker_threads and shared WebAssembly memory", explicit);
  }
  let module;
  try {
    module = await kernelModule();
  } catch (err) {
    if (explicit) throw err;
    return jsKernels; // module not built: the reference kernels still work
  }
  return WasmKernels.create(module, { threads: useThreads });
}
