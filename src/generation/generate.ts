// The generation loop: encode → evaluate the prompt (reusing a context's cached prefix) →
// (sample → emit → evaluate the new token)* until an end-of-generation token, a stop string,
// the token budget or an abort. Text is streamed UTF-8-safe and stop strings are never leaked.

import { AbortError, ContextOverflowError } from "../errors.js";
import type { LlamaContext } from "../model/context.js";
import type { KvCacheTypes } from "../model/kv-cache.js";
import type { LlamaModel } from "../model/model.js";
import { logSoftmaxAt, Sampler, type SamplingParams } from "../sampling/sampler.js";
import type { Constraint } from "../grammar/constraint.js";
import { StopMatcher } from "./stop-matcher.js";

export interface GenerateOptions extends SamplingParams {
  /** Most tokens to generate; default: until an end token or the context is full. */
  maxTokens?: number;
  /** Strings that end generation; the stop string itself is not returned. */
  stop?: string[];
  /** Keep going past end-of-generation tokens (EOS/EOT/EOM); default false. */
  ignoreEog?: boolean;
  signal?: AbortSignal;
  /** For text prompts: add BOS/EOS as the model's metadata says (default true). */
  addSpecial?: boolean;
  /** For text prompts: turn special-token text like "<|eot_id|>" into control tokens (default false). */
  parseSpecial?: boolean;
  /** Reuse this context (and its cached prefix); default a fresh context. */
  context?: LlamaContext;
  /** Context size of the fresh context when none is given. */
  nCtx?: number;
  /** KV cache type of the fresh context when none is given (default "f16"). */
  kvType?: KvCacheTypes;
  /** Restricts sampling token by token (grammar, JSON schema, tool calls; see createConstraint in src/chat/). */
  constraint?: Constraint;
  /** Render control tokens (e.g. <|python_tag|>) as their text in the output (default false). */
  special?: boolean;
}

export interface GenerationPiece {
  /** The sampled token id; -1 for the final piece that releases text held back at the end of the stream. */
  token: number;
  /** Text this token completed (can be "" while a UTF-8 sequence or a possible stop string is pending). */
  text: string;
  /** log p(token) under the model's raw distribution. */
  logprob: number;
}

export type FinishReason = "stop" | "length";

export interface GenerationTimings {
  promptTokens: number;
  /** Prompt tokens served from the context's cache instead of being evaluated. */
  reusedTokens: number;
  promptMs: number;
  promptTokensPerSecond: number;
  generatedTokens: number;
  generatedMs: number;
  generatedTokensPerSecond: number;
  /** From the call to the first generated token. */
  timeToFirstTokenMs: number;
}

export interface GenerationResult {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  /** What ended it: an end-of-generation token, a stop string, the token budget, or the context size. */
  stoppedBy: "eog" | "stop-string" | "max-tokens" | "context-full";
  seed: number;
  timings: GenerationTimings;
}

const yieldToEventLoop: () => Promise<void> =
  typeof setImmediate === "function" ? () => new Promise<void>((resolve) => setImmediate(resolve)) : browserYield();

/** Browsers and Web Workers have no setImmediate; a MessageChannel post is the unclamped equivalent. */
function browserYield(): () => Promise<void> {
  type Port = { onmessage: (() => void) | null; postMessage(m: unknown): void };
  const channel = new (globalThis as unknown as { MessageChannel: new () => { port1: Port; port2: Port } }).MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () => new Promise<void>((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

export async function* generate(
  model: LlamaModel,
  prompt: string | readonly number[],
  opts: GenerateOptions = {},
): AsyncGenerator<GenerationPiece, GenerationResult> {
  const started = performance.now();
  const { tokenizer } = model;
  const promptTokens =
    typeof prompt === "string" ? tokenizer.encode(prompt, { addSpecial: opts.addSpecial ?? true, parseSpecial: opts.parseSpecial ?? false }) : [...prompt];
  if (promptTokens.length === 0) throw new RangeError("The prompt is empty: give text or at least one token");
  const ctx = opts.context ?? model.createContext({ ...(opts.nCtx !== undefined && { nCtx: opts.nCtx }), ...(opts.kvType !== undefined && { kvType: opts.kvType }) });
  const maxTokens = opts.maxTokens ?? -1;
  if (maxTokens !== -1 && (!Number.isInteger(maxTokens) || maxTokens < 0)) {
    throw new RangeError(`maxTokens must be a non-negative integer, got ${maxTokens}`);
  }
  if (promptTokens.length > ctx.nCtx || (maxTokens > 0 && promptTokens.length + maxTokens > ctx.nCtx)) {
    const need = promptTokens.length + Math.max(maxTokens, 0);
    throw new ContextOverflowError(
      `The prompt (${promptTokens.length} tokens) plus ${Math.max(maxTokens, 0)} new tokens needs ${need} positions but the context holds ${ctx.nCtx}`,
      ctx.nCtx,
      need,
    );
  }
  const sampler = new Sampler(opts, model.config.nVocab);
  for (const t of promptTokens) sampler.accept(t);
  const decoder = tokenizer.createDecoder({ special: opts.special ?? false });
  const constraint = opts.constraint;
  const masked = constraint ? new Float32Array(model.config.nVocab) : undefined;
  if (constraint?.minTokensToComplete) {
    // Refuse up front rather than cut the output into something the format does not allow.
    const room = Math.min(maxTokens === -1 ? Infinity : maxTokens, ctx.nCtx - promptTokens.length);
    const need = constraint.minTokensToComplete();
    if (need > room) {
      throw new ContextOverflowError(`The required output format needs at least ${need} tokens but only ${room} can be generated`, ctx.nCtx, promptTokens.length + need);
    }
  }
  const stops = new StopMatcher(opts.stop ?? []);
  const checkAbort = () => {
    if (opts.signal?.aborted) throw new AbortError();
  };

  checkAbort();
  const { logits: promptLogits, reused } = ctx.prefill(promptTokens);
  let logits = promptLogits;
  const promptDone = performance.now();
  const tokens: number[] = [];
  let text = "";
  let stoppedBy: GenerationResult["stoppedBy"] = "max-tokens";
  let firstTokenAt = 0;

  while (true) {
    if (maxTokens !== -1 && tokens.length >= maxTokens) break;
    if (ctx.tokens.length >= ctx.nCtx) {
      stoppedBy = "context-full";
      break;
    }
    await yieldToEventLoop();
    checkAbort();
    let row = logits;
    if (constraint && masked) {
      masked.set(logits);
      const left = Math.min(maxTokens === -1 ? Infinity : maxTokens - tokens.length, ctx.nCtx - ctx.tokens.length);
      constraint.mask(masked, Number.isFinite(left) ? left : undefined);
      row = masked;
    }
    let token: number;
    let logprob: number;
    if (row === logits) ({ token, logprob } = sampler.sample(logits));
    else {
      // The masked row's own log-sum-exp would be thrown away: the logprob reported is the model's.
      token = sampler.sampleToken(row);
      logprob = logSoftmaxAt(logits, token);
    }
    if (firstTokenAt === 0) firstTokenAt = performance.now();
    if (!opts.ignoreEog && tokenizer.eogTokens.has(token)) {
      stoppedBy = "eog";
      break;
    }
    constraint?.accept(token);
    sampler.accept(token);
    tokens.push(token);
    const emitted = stops.push(decoder.push(token));
    text += emitted.text;
    if (emitted.stopped) {
      stoppedBy = "stop-string";
      yield { token, text: emitted.text, logprob };
      break;
    }
    yield { token, text: emitted.text, logprob };
    if (constraint?.mustEnd?.()) {
      // The format is complete and nothing may follow: end as if the model had sampled EOS.
      stoppedBy = "eog";
      break;
    }
    if (maxTokens !== -1 && tokens.length >= maxTokens) break;
    if (ctx.tokens.length >= ctx.nCtx) {
      stoppedBy = "context-full";
      break;
    }
    logits = ctx.append([token]);
  }
  if (stoppedBy !== "stop-string") {
    // Text held back as a possible stop-string start (or a dangling UTF-8 sequence) is released.
    const last = stops.push(decoder.flush());
    const tail = last.text + (last.stopped ? "" : stops.flush());
    if (last.stopped) stoppedBy = "stop-string";
    if (tail) {
      text += tail;
      yield { token: -1, text: tail, logprob: 0 };
    }
  }

  const end = performance.now();
  const promptMs = promptDone - started;
  const generatedMs = end - promptDone;
  const evaluated = promptTokens.length - reused;
  return {
    text,
    tokens,
    finishReason: stoppedBy === "eog" || stoppedBy === "stop-string" ? "stop" : "length",
    stoppedBy,
    seed: sampler.seed,
    timings: {
      promptTokens: promptTokens.length,
      reusedTokens: reused,
      promptMs,
      promptTokensPerSecond: promptMs > 0 ? (evaluated / promptMs) * 1000 : 0,
      generatedTokens: tokens.length,
      generatedMs,
      generatedTokensPerSecond: generatedMs > 0 ? (tokens.length / generatedMs) * 1000 : 0,
      timeToFirstTokenMs: firstTokenAt ? firstTokenAt - started : 0,
    },
  };
}

/** Runs `generate` to the end. */
export async function complete(model: LlamaModel, prompt: string | readonly number[], opts: GenerateOptions = {}): Promise<GenerationResult> {
  const it = generate(model, prompt, opts);
  while (true) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}
