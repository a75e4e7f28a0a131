// The browser entry of llama.ts (bundled to dist/browser/llama.js): everything needed to load a
// GGUF model from a URL or from bytes and generate, with no Node built-ins on its import path.
// Local paths need Node; in a browser, pass a URL (relative URLs resolve against the page or
// worker) or the file's bytes (e.g. from a File input).

import { isHttpUrl } from "../gguf/http-source.js";
import { loadModel, type LoadModelOptions, type LlamaModel } from "../model/model.js";

export { GgufFile } from "../gguf/gguf-file.js";
export { httpSource, HttpError, type HttpSourceOptions } from "../gguf/http-source.js";
export { parseGgufHeader } from "../gguf/parse.js";
export { bufferSource, type ByteSource } from "../gguf/byte-source.js";
export { jsKernels } from "../kernels/js/index.js";
export type { Kernels } from "../kernels/kernels.js";
export { loadModelFromBytes, LlamaModel, type LoadModelOptions } from "../model/model.js";
export { LlamaContext, type ContextOptions } from "../model/context.js";
export type { KvCacheType, KvCacheTypes } from "../model/kv-cache.js";
export { Tokenizer } from "../tokenizer/tokenizer.js";
export { Sampler, type SamplingParams } from "../sampling/sampler.js";
export type { GenerateOptions, GenerationPiece, GenerationResult, GenerationTimings } from "../generation/generate.js";
export { AbortError, ContextOverflowError, GgufParseError, ModelFormatError, UnsupportedError } from "../errors.js";

/**
 * Loads a model from an http(s) URL (absolute, or relative to the page/worker location), streamed
 * with range requests; any shard of a split model works.
 */
export function loadModelFromUrl(url: string, opts: LoadModelOptions = {}): Promise<LlamaModel> {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const absolute = isHttpUrl(url) || base === undefined ? url : new URL(url, base).href;
  if (!isHttpUrl(absolute)) throw new TypeError(`Cannot load "${url}" in a browser: give an http(s) URL or the file's bytes`);
  return loadModel(absolute, opts);
}
