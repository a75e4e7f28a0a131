// A loaded model: its GGUF header, config, tokenizer and weights, plus the entry points people
// use (createContext, generate, complete, logits). `loadModel` is the library's front door.

import { GgufFile } from "../gguf/gguf-file.js";
import type { HttpSourceOptions } from "../gguf/http-source.js";
import type { GgufHeader } from "../gguf/types.js";
import { generate, complete, type GenerateOptions, type GenerationPiece, type GenerationResult } from "../generation/generate.js";
import type { Kernels } from "../kernels/kernels.js";
import { selectKernels, type KernelsName } from "../kernels/select.js";
import { Tokenizer } from "../tokenizer/tokenizer.js";
import { configFromMetadata, type ModelConfig } from "./config.js";
import { LlamaContext, type ContextOptions } from "./context.js";
import { LlamaForward } from "./llama.js";
import { loadWeights, type LoadProgress, type LlamaWeights } from "./weights.js";
import { MAX_CONTEXT } from "../limits.js";

export interface LoadModelOptions {
  /** Called as tensor bytes are read. */
  onProgress?: (p: LoadProgress) => void;
  /** For http(s) URLs: request headers, abort signal, download progress, retries (see httpSource). */
  http?: HttpSourceOptions;
  /**
   * Compute backend: a name ("wasm-simd-threads", "wasm-simd", "js") or a Kernels object the
   * caller owns. Default: LLAMA_TS_KERNELS, else WebAssembly SIMD with `threads` threads.
   */
  kernels?: Kernels | KernelsName;
  /** Compute threads including the calling one; default one per core (the js backend uses one). */
  threads?: number;
}

/** Default context window when the caller sets none: Llama 3.1 trains at 131072, too big to allocate by default. */
const DEFAULT_CTX = 4096;

export class LlamaModel {
  readonly forwardPass: LlamaForward;

  constructor(
    readonly header: GgufHeader,
    readonly config: ModelConfig,
    readonly tokenizer: Tokenizer,
    readonly weights: LlamaWeights,
    readonly kernels: Kernels,
    readonly path: string | undefined,
    /** Whether dispose() also disposes the kernels (true when loadModel created them). */
    private readonly ownsKernels = false,
  ) {
    this.forwardPass = new LlamaForward(config, weights, kernels);
  }

  /** Stops the compute threads and frees the weights' WebAssembly memory; the model is unusable after. */
  dispose(): void {
    if (this.ownsKernels) this.kernels.dispose?.();
  }

  createContext(opts: ContextOptions = {}): LlamaContext {
    const nCtx = opts.nCtx ?? Math.min(this.config.nCtxTrain, DEFAULT_CTX);
    if (!Number.isInteger(nCtx) || nCtx < 1 || nCtx > MAX_CONTEXT) {
      throw new RangeError(`Context size must be an integer between 1 and ${MAX_CONTEXT}, got ${nCtx}`);
    }
    return new LlamaContext(this.forwardPass, nCtx, opts.kvType ?? "f16");
  }

  /** Streams generated pieces; the iterator's return value is the full result with timings. */
  generate(prompt: string | readonly number[], opts: GenerateOptions = {}): AsyncGenerator<GenerationPiece, GenerationResult> {
    return generate(this, prompt, opts);
  }

  /** Generates to the end and returns the text, tokens, finish reason and timings. */
  complete(prompt: string | readonly number[], opts: GenerateOptions = {}): Promise<GenerationResult> {
    return complete(this, prompt, opts);
  }

  /** Raw logits for a token sequence: the last position's row, or one row per position with `all`. */
  logits(tokens: readonly number[], opts: { all?: boolean; context?: LlamaContext } = {}): Float32Array[] {
    const ctx = opts.context ?? this.createContext({ nCtx: Math.max(tokens.length, 1) });
    ctx.clear();
    const { logits } = ctx.prefill(tokens, opts.all ? "all" : "last");
    const n = this.config.nVocab;
    return Array.from({ length: logits.length / n }, (_, i) => logits.subarray(i * n, (i + 1) * n));
  }
}

/**
 * Opens a GGUF model — a local path, an http(s) URL (streamed with range requests), or any shard of
 * a split model — checks it is a supported Llama model, and reads its weights.
 */
export async function loadModel(path: string, opts: LoadModelOptions = {}): Promise<LlamaModel> {
  const file = await GgufFile.open(path, opts.http ? { http: opts.http } : {});
  try {
    return await modelFromFile(file, opts, path);
  } finally {
    await file.close();
  }
}

/** Same as loadModel for a GGUF already in memory (tests, browsers). */
export async function loadModelFromBytes(bytes: Uint8Array, opts: LoadModelOptions = {}): Promise<LlamaModel> {
  const file = await GgufFile.fromBytes(bytes);
  return modelFromFile(file, opts, undefined);
}

async function modelFromFile(file: GgufFile, opts: LoadModelOptions, path: string | undefined): Promise<LlamaModel> {
  const md = file.header.metadata;
  const config = configFromMetadata(md);
  const tokenizer = Tokenizer.fromMetadata(md);
  const owned = opts.kernels === undefined || typeof opts.kernels === "string";
  const kernels = typeof opts.kernels === "object" ? opts.kernels : await selectKernels({ kernels: opts.kernels, threads: opts.threads });
  try {
    const weights = await loadWeights(file, config, kernels, opts.onProgress);
    return new LlamaModel(file.header, config, tokenizer, weights, kernels, path, owned);
  } catch (err) {
    if (owned) kernels.dispose?.();
    throw err;
  }
}
