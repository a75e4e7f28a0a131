// A ready-made Web Worker (bundled to dist/browser/worker.js, load it with {type: "module"}) that
// holds one model and streams generations back to the page, so the page's main thread never
// blocks. Messages in:  {type: "load", url | bytes, options?} · {type: "generate", id, prompt, options?}
// · {type: "abort", id}. Messages out: {type: "progress", loadedBytes, totalBytes} · {type: "loaded",
// config, loadMs} · {type: "piece", id, token, text} · {type: "done", id, result} · {type: "error",
// id?, name, message}.

import type { GenerateOptions } from "../generation/generate.js";
import { jsKernels } from "../kernels/js/index.js";
import type { Kernels } from "../kernels/kernels.js";
import { selectKernels, type KernelsName } from "../kernels/select.js";
import { loadModelFromBytes, type LlamaModel } from "../model/model.js";
import { loadModelFromUrl } from "./index.js";

export interface WorkerLoadOptions {
  headers?: Record<string, string>;
  /**
   * Compute backend; default "wasm-simd" (WebAssembly SIMD on this worker's thread, fetched from
   * ../wasm/kernels-simd.wasm next to the bundle), falling back to "js" when it cannot be had.
   * The worker_threads pool is Node-only, so browsers compute on one thread.
   */
  kernels?: Exclude<KernelsName, "wasm-simd-threads">;
}

export type WorkerRequest =
  | { type: "load"; url?: string; bytes?: Uint8Array; options?: WorkerLoadOptions }
  | { type: "generate"; id: number; prompt: string | number[]; options?: Omit<GenerateOptions, "signal" | "context"> }
  | { type: "abort"; id: number };

interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: WorkerRequest }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
let model: LlamaModel | undefined;
const running = new Map<number, AbortController>();

function fail(err: unknown, id?: number): void {
  const e = err instanceof Error ? err : new Error(String(err));
  scope.postMessage({ type: "error", ...(id !== undefined && { id }), name: e.name, message: e.message });
}

async function load(req: Extract<WorkerRequest, { type: "load" }>): Promise<void> {
  const started = performance.now();
  const onProgress = (p: { loadedBytes: number; totalBytes: number }) => scope.postMessage({ type: "progress", ...p });
  const wanted = req.options?.kernels ?? "wasm-simd";
  let kernels: Kernels = jsKernels;
  let kernelsNote: string | undefined;
  if (wanted !== "js") {
    try {
      kernels = await selectKernels({ kernels: wanted, threads: 1 });
    } catch (err) {
      kernelsNote = `using the js kernels: ${(err as Error).message}`;
    }
  }
  if (req.bytes) model = await loadModelFromBytes(req.bytes, { onProgress, kernels });
  else if (req.url) model = await loadModelFromUrl(req.url, { onProgress, kernels, ...(req.options?.headers && { http: { headers: req.options.headers } }) });
  else throw new TypeError("A load message needs a url or bytes");
  scope.postMessage({ type: "loaded", config: model.config, kernels: model.kernels.name, ...(kernelsNote && { kernelsNote }), loadMs: performance.now() - started });
}

async function generate(req: Extract<WorkerRequest, { type: "generate" }>): Promise<void> {
  if (!model) throw new Error("No model loaded: send a load message first");
  const controller = new AbortController();
  running.set(req.id, controller);
  try {
    const it = model.generate(req.prompt, { ...req.options, signal: controller.signal });
    for (let r = await it.next(); ; r = await it.next()) {
      if (r.done) {
        scope.postMessage({ type: "done", id: req.id, result: r.value });
        return;
      }
      scope.postMessage({ type: "piece", id: req.id, token: r.value.token, text: r.value.text });
    }
  } finally {
    running.delete(req.id);
  }
}

scope.addEventListener("message", (event) => {
  const req = event.data;
  if (req.type === "load") load(req).catch((e) => fail(e));
  else if (req.type === "generate") generate(req).catch((e) => fail(e, req.id));
  else if (req.type === "abort") running.get(req.id)?.abort();
  else fail(new TypeError(`Unknown message type "${(req as { type?: string }).type}"`));
});
