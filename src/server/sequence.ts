// One request's generation state inside the scheduler: its prompt, its own Sampler, streaming
// decoder and stop-string matcher, an optional output constraint (grammar / JSON schema), and the
// callbacks that stream each token to its client. The scheduler feeds it logits; it picks the
// next token exactly as src/generation/generate.ts does for a single sequence.

import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { StreamingDecoder } from "../tokenizer/tokenizer.js";
import { Sampler, type SamplingParams } from "../sampling/sampler.js";
import { logSumExp, topLogprobs } from "../sampling/logprobs.js";
import { StopMatcher } from "../generation/stop-matcher.js";
import { badRequest } from "./errors.js";

/** Restricts which tokens may come next (the chat module's grammar / JSON-schema / tool constraints). */
export interface Constraint {
  /** Sets the logits of tokens that may not come next to -Infinity (in place). */
  mask(logits: Float32Array, tokensLeft?: number): void;
  accept(token: number): void;
  isComplete(): boolean;
  /** True when the output is complete and nothing may follow: generation ends at once. */
  mustEnd?(): boolean;
}

export interface GenerateSpec {
  kind: "generate";
  prompt: readonly number[];
  sampling: SamplingParams;
  /** Most tokens to generate (the caller has already checked prompt + maxTokens fits the context). */
  maxTokens: number;
  stop: readonly string[];
  ignoreEog: boolean;
  /** How many alternatives to report per token; null reports no log-probabilities at all. */
  topLogprobs: number | null;
  constraint?: Constraint;
  /** Render control tokens (e.g. <|python_tag|>) in the text; default false. */
  special?: boolean;
  /** For n > 1: wait until this sequence's prompt is cached, then copy its keys/values instead of recomputing. */
  leader?: Sequence;
}

export interface EmbedSpec {
  kind: "embed";
  prompt: readonly number[];
}

export interface TokenEvent {
  /** -1 for the final event that releases text held back at the end. */
  token: number;
  /** Text this token released (may be "" while a UTF-8 sequence or a possible stop string is pending). */
  text: string;
  /** NaN when the request asked for no log-probabilities (topLogprobs null). */
  logprob: number;
  top?: { token: number; logprob: number }[];
}

export type StoppedBy = "eog" | "stop-string" | "max-tokens" | "context-full" | "cancelled";

export interface SequenceTimings {
  queuedMs: number;
  promptTokens: number;
  /** Prompt tokens served from a slot's cache (this slot's or copied from another) instead of evaluated. */
  cachedTokens: number;
  promptMs: number;
  generatedTokens: number;
  generatedMs: number;
}

export interface SequenceResult {
  text: string;
  tokens: number[];
  stoppedBy: StoppedBy;
  seed: number;
  timings: SequenceTimings;
  /** Mean-pooled, L2-normalized final hidden state (embedding sequences only). */
  embedding?: Float32Array;
}

export type Phase = "queued" | "prefill" | "decode" | "done";

export class Sequence {
  phase: Phase = "queued";
  /** Prompt tokens already in the slot's cache. */
  promptDone = 0;
  /** The sampled token to evaluate next (decode phase). */
  next = -1;
  cached = 0;
  /** From queueing to the first generated token. */
  ttftMs = 0;
  hidden: Float32Array | undefined; // (prompt.length, nEmbd) for embeddings
  readonly done: Promise<SequenceResult>;
  readonly sampler: Sampler | undefined;

  private resolve!: (r: SequenceResult) => void;
  private reject!: (e: unknown) => void;
  private readonly decoder: StreamingDecoder | undefined;
  private readonly stops: StopMatcher | undefined;
  private readonly tokens: number[] = [];
  private text = "";
  /** Reused per token for the constraint's mask (a 128k row is 512 KB). */
  private maskedRow: Float32Array | undefined;
  private readonly queuedAt = performance.now();
  private admittedAt = 0;
  private promptAt = 0;

  /** Throws RangeError/TypeError naming a bad sampling field (the route turns it into a 400). */
  constructor(
    readonly spec: GenerateSpec | EmbedSpec,
    private readonly tokenizer: Tokenizer,
    nVocab: number,
    /** Called synchronously from the scheduler step for every token. */
    public onToken: (e: TokenEvent) => void = () => {},
  ) {
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    if (spec.kind === "generate") {
      this.sampler = new Sampler(spec.sampling, nVocab);
      for (const t of spec.prompt) this.sampler.accept(t);
      this.decoder = tokenizer.createDecoder({ special: !!spec.special });
      this.stops = new StopMatcher(spec.stop);
    }
  }

  get generatedCount(): number {
    return this.tokens.length;
  }

  get finished(): boolean {
    return this.phase === "done";
  }

  markAdmitted(cached: number): void {
    this.phase = "prefill";
    this.admittedAt = performance.now();
    this.cached = cached;
    this.promptDone = cached;
  }

  /** The prompt is fully evaluated and `logits` are its last position's: pick the first token. */
  promptFinished(logits: Float32Array | undefined, contextLeft: number): void {
    this.promptAt = performance.now();
    if (this.spec.kind === "embed") return this.finish("max-tokens");
    this.phase = "decode";
    this.consume(logits!, contextLeft);
  }

  /**
   * Samples from one row of logits. `contextLeft` is how many positions remain after the token
   * just evaluated. Leaves `next` set while the sequence continues; finishes it otherwise.
   */
  consume(logits: Float32Array, contextLeft: number): void {
    const spec = this.spec as GenerateSpec;
    if (this.tokens.length >= spec.maxTokens) return this.finish("max-tokens");
    let row = logits;
    if (spec.constraint) {
      row = this.maskedRow ??= new Float32Array(logits.length);
      row.set(logits);
      spec.constraint.mask(row, spec.maxTokens - this.tokens.length);
    }
    // The log-sum-exp over the vocabulary costs more than the rest of a sample once top-k has
    // cut the list, so it is computed only when reported, and once for logprob and top_logprobs.
    let normalizer: { max: number; logSum: number } | undefined;
    let token: number;
    try {
      if (spec.topLogprobs !== null) normalizer = logSumExp(logits);
      token = this.sampler!.sampleToken(row);
    } catch (err) {
      // Only the request can cause this (a logit_bias or constraint that leaves no token).
      throw badRequest(`Sampling failed: ${(err as Error).message}`, spec.constraint ? null : "logit_bias", "sampling_failed");
    }
    // Log-probabilities are those of the model, not of the constrained distribution.
    const logprob = normalizer ? logits[token]! - normalizer.max - normalizer.logSum : NaN;
    if (!spec.ignoreEog && this.tokenizer.eogTokens.has(token)) return this.finish("eog");
    this.sampler!.accept(token);
    spec.constraint?.accept(token);
    this.tokens.push(token);
    if (this.tokens.length === 1) this.ttftMs = performance.now() - this.queuedAt;
    const out = this.stops!.push(this.decoder!.push(token));
    this.text += out.text;
    const event: TokenEvent = { token, text: out.text, logprob };
    if (normalizer) event.top = topLogprobs(logits, spec.topLogprobs!, normalizer);
    this.onToken(event);
    if (out.stopped) return this.finish("stop-string");
    if (spec.constraint?.mustEnd?.()) return this.finish("eog");
    if (this.tokens.length >= spec.maxTokens) return this.finish("max-tokens");
    if (contextLeft <= 0) return this.finish("context-full");
    this.next = token;
  }

  /** The client went away (or the server shuts down): stop without streaming anything more. */
  cancel(): void {
    if (this.phase !== "done") this.finish("cancelled");
  }

  fail(err: unknown): void {
    if (this.phase === "done") return;
    this.phase = "done";
    this.reject(err);
  }

  finishEmbedding(embedding: Float32Array): void {
    this.promptAt = performance.now();
    this.finish("max-tokens", embedding);
  }

  private finish(stoppedBy: StoppedBy, embedding?: Float32Array): void {
    if (this.phase === "done") return;
    if (this.spec.kind === "generate" && stoppedBy !== "stop-string" && stoppedBy !== "cancelled") {
      // Text held back as a possible stop-string start (or a dangling UTF-8 sequence) is released.
      const last = this.stops!.push(this.decoder!.flush());
      const tail = last.text + (last.stopped ? "" : this.stops!.flush());
      if (last.stopped) stoppedBy = "stop-string";
      if (tail) {
        this.text += tail;
        this.onToken({ token: -1, text: tail, logprob: 0 });
      }
    }
    this.phase = "done";
    const end = performance.now();
    const admitted = this.admittedAt || end;
    const promptAt = this.promptAt || end;
    const result: SequenceResult = {
      text: this.text,
      tokens: this.tokens,
      stoppedBy,
      seed: this.sampler?.seed ?? 0,
      timings: {
        queuedMs: admitted - this.queuedAt,
        promptTokens: this.spec.prompt.length,
        cachedTokens: this.cached,
        promptMs: promptAt - admitted,
        generatedTokens: this.tokens.length,
        generatedMs: end - promptAt,
      },
    };
    if (embedding) result.embedding = embedding;
    this.resolve(result);
  }
}
