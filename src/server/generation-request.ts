// The request fields /v1/chat/completions and /v1/completions share, mapped onto the engine:
// sampling parameters (llama.cpp's defaults where a field is absent), the token budget and the
// context-overflow check, stop strings, seeds per choice, and submission to the scheduler.

import { ContextOverflowError } from "../errors.js";
import type { SamplingParams } from "../sampling/sampler.js";
import { ApiError, badRequest } from "./errors.js";
import type { Constraint, GenerateSpec, Sequence, TokenEvent } from "./sequence.js";
import type { ServerContext } from "./server-context.js";
import type { CompletionRequest, ChatRequest } from "./schemas.js";

type Common = ChatRequest | CompletionRequest;

export function samplingParams(req: Common, nVocab: number): SamplingParams {
  const p: SamplingParams = {};
  if (req.temperature != null) p.temperature = req.temperature;
  // OpenAI allows top_p = 0 ("only the top token"); the sampler wants (0, 1].
  if (req.top_p != null) p.topP = req.top_p === 0 ? Number.MIN_VALUE : req.top_p;
  if (req.top_k != null) p.topK = req.top_k;
  if (req.min_p != null) p.minP = req.min_p;
  if (req.typical_p != null) p.typicalP = req.typical_p;
  if (req.repeat_penalty != null) p.repeatPenalty = req.repeat_penalty;
  if (req.repeat_last_n != null) p.repeatLastN = req.repeat_last_n;
  if (req.presence_penalty != null) p.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty != null) p.frequencyPenalty = req.frequency_penalty;
  if (req.logit_bias) {
    const bias: Record<number, number> = {};
    for (const [key, value] of Object.entries(req.logit_bias)) {
      const id = Number(key);
      if (id >= nVocab) throw badRequest(`Invalid field "logit_bias": token ${key} is outside the vocabulary of ${nVocab} tokens`, "logit_bias");
      bias[id] = value;
    }
    p.logitBias = bias;
  }
  return p;
}

export function stopStrings(req: Common): string[] {
  if (req.stop == null) return [];
  return typeof req.stop === "string" ? [req.stop] : req.stop;
}

/**
 * The generation budget: the requested max tokens, or what is left of the context. A prompt that
 * leaves no room, or a request whose max tokens do not fit, is a ContextOverflowError (400).
 */
export function tokenBudget(promptTokens: number, requested: number | null | undefined, nCtx: number): number {
  if (promptTokens >= nCtx || (requested != null && promptTokens + requested > nCtx)) {
    const need = promptTokens + (requested ?? 1);
    throw new ContextOverflowError(
      `The prompt has ${promptTokens} tokens and ${requested ?? "at least 1"} more are requested, ${need} in all, but the context holds ${nCtx}; ` +
        `shorten the prompt, lower max_tokens, or (chat only) set "context_overflow": "drop_oldest_turns"`,
      nCtx,
      need,
    );
  }
  return requested ?? nCtx - promptTokens;
}

/** n choices of one prompt; choice i uses seed + i so that choices differ yet replay. */
export function choiceSpecs(
  req: Common,
  prompt: number[],
  sampling: SamplingParams,
  maxTokens: number,
  topLogprobs: number | null,
  makeConstraint?: () => Constraint | undefined,
): GenerateSpec[] {
  const n = req.n ?? 1;
  return Array.from({ length: n }, (_, i) => {
    const s: SamplingParams = { ...sampling };
    if (req.seed != null && req.seed >= 0) s.seed = (req.seed + i) % 0x100000000;
    const spec: GenerateSpec = { kind: "generate", prompt, sampling: s, maxTokens, stop: stopStrings(req), ignoreEog: !!req.ignore_eos, topLogprobs };
    const constraint = makeConstraint?.();
    if (constraint) spec.constraint = constraint;
    return spec;
  });
}

/**
 * Queues the sequences and cancels them (freeing their slots) if the client disconnects.
 * Sampling-parameter errors from the Sampler become 400s.
 */
export function submit(ctx: ServerContext, specs: GenerateSpec[], signal: AbortSignal, onToken?: (index: number, e: TokenEvent) => void): Sequence[] {
  let seqs: Sequence[];
  try {
    seqs = ctx.scheduler.submit(specs, onToken);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof RangeError || err instanceof TypeError) throw badRequest(err.message, null, "invalid_value");
    throw err;
  }
  const cancel = () => seqs.forEach((s) => ctx.scheduler.cancel(s));
  // One failed choice fails the request: stop computing the others.
  for (const s of seqs) s.done.catch(cancel);
  if (signal.aborted) cancel();
  else signal.addEventListener("abort", cancel, { once: true });
  void Promise.allSettled(seqs.map((s) => s.done)).then(() => signal.removeEventListener("abort", cancel));
  return seqs;
}

export function finishReason(stoppedBy: string): "stop" | "length" {
  return stoppedBy === "eog" || stoppedBy === "stop-string" ? "stop" : "length";
}
