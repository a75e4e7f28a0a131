// Pieces of responses both generation routes build: llama-server-style `timings`, OpenAI `usage`,
// log-probability entries (chat's `content` list and the legacy completions arrays), and ids.

import { randomUUID } from "node:crypto";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { SequenceResult, TokenEvent } from "./sequence.js";

const utf8 = new TextDecoder("utf-8", { fatal: false });

export const SYSTEM_FINGERPRINT = "llama.ts";

export function newId(prefix: string): string {
  return `${prefix}-${randomUUID().replaceAll("-", "")}`;
}

/** llama-server's `timings` object, summed over the choices (prompt figures from the first choice of each prompt). */
export function llamaTimings(results: readonly SequenceResult[], leaders: readonly SequenceResult[]) {
  const cacheN = leaders.reduce((s, r) => s + r.timings.cachedTokens, 0);
  const promptN = leaders.reduce((s, r) => s + r.timings.promptTokens - r.timings.cachedTokens, 0);
  const promptMs = leaders.reduce((s, r) => s + r.timings.promptMs, 0);
  const predictedN = results.reduce((s, r) => s + r.timings.generatedTokens, 0);
  const predictedMs = results.reduce((m, r) => Math.max(m, r.timings.generatedMs), 0);
  return {
    cache_n: cacheN,
    prompt_n: promptN,
    prompt_ms: promptMs,
    prompt_per_token_ms: promptN > 0 ? promptMs / promptN : 0,
    prompt_per_second: promptMs > 0 ? (promptN / promptMs) * 1000 : 0,
    predicted_n: predictedN,
    predicted_ms: predictedMs,
    predicted_per_token_ms: predictedN > 0 ? predictedMs / predictedN : 0,
    predicted_per_second: predictedMs > 0 ? (predictedN / predictedMs) * 1000 : 0,
  };
}

/** OpenAI usage: prompt tokens count once per prompt, completion tokens over all choices. */
export function usage(results: readonly SequenceResult[], leaders: readonly SequenceResult[]) {
  const prompt = leaders.reduce((s, r) => s + r.timings.promptTokens, 0);
  const completion = results.reduce((s, r) => s + r.tokens.length, 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: leaders.reduce((s, r) => s + r.timings.cachedTokens, 0) },
  };
}

function tokenEntry(tk: Tokenizer, token: number, logprob: number) {
  const bytes = tk.tokenToPiece(token, true);
  return { token: utf8.decode(bytes), logprob, bytes: Array.from(bytes) };
}

/** One entry of chat's `logprobs.content`. */
export function chatLogprob(tk: Tokenizer, e: TokenEvent) {
  return { ...tokenEntry(tk, e.token, e.logprob), top_logprobs: (e.top ?? []).map((t) => tokenEntry(tk, t.token, t.logprob)) };
}

/** Accumulates the legacy completions `logprobs` arrays. */
export class CompletionLogprobs {
  tokens: string[] = [];
  token_logprobs: number[] = [];
  top_logprobs: Record<string, number>[] = [];
  text_offset: number[] = [];

  constructor(private offset: number) {}

  add(tk: Tokenizer, e: TokenEvent): void {
    const piece = utf8.decode(tk.tokenToPiece(e.token, true));
    this.tokens.push(piece);
    this.token_logprobs.push(e.logprob);
    const top: Record<string, number> = {};
    for (const t of e.top ?? []) top[utf8.decode(tk.tokenToPiece(t.token, true))] ??= t.logprob;
    this.top_logprobs.push(top);
    this.text_offset.push(this.offset);
    this.offset += piece.length;
  }

  toJSON() {
    return { tokens: this.tokens, token_logprobs: this.token_logprobs, top_logprobs: this.top_logprobs, text_offset: this.text_offset };
  }
}
