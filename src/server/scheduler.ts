// Continuous batching. The scheduler owns `parallel` slots (one KV cache each) and a bounded
// queue. Each step gathers the next token of every decoding sequence plus chunks of newly
// admitted prompts into ONE forwardMany call (weights are streamed once for all of them), then
// samples per sequence with its own Sampler and streams the pieces. Requests join and leave
// between steps; a cancelled request frees its slot at once. Steps are synchronous compute, so
// the loop yields to the event loop (setImmediate) between them to keep HTTP responsive.
// Reference: llama.cpp tools/server/server.cpp (update_slots: one llama_batch for all slots).

import type { LlamaModel } from "../model/model.js";
import type { KvCacheTypes } from "../model/kv-cache.js";
import type { SequenceInput } from "../model/llama.js";
import { ApiError } from "./errors.js";
import { QUEUE_FULL_RETRY_AFTER_S, STEP_TOKENS } from "./limits.js";
import { Sequence, type EmbedSpec, type GenerateSpec, type TokenEvent } from "./sequence.js";
import { Slot } from "./slot.js";
import { SchedulerStats } from "./scheduler-stats.js";

export interface SchedulerOptions {
  parallel: number;
  /** Context window of each slot. */
  nCtx: number;
  /** Most sequences that may wait for a slot. */
  maxQueue: number;
  kvType?: KvCacheTypes;
  /** Tokens per step across all slots; default STEP_TOKENS. */
  stepTokens?: number;
}

export class Scheduler {
  readonly slots: Slot[];
  readonly stats = new SchedulerStats();
  /** Called with each sequence's time from queueing to its first token (ms). */
  onFirstToken: ((ms: number) => void) | undefined;
  private queue: Sequence[] = [];
  private running = false;
  private closed = false;
  private clock = 0;

  constructor(
    readonly model: LlamaModel,
    readonly opts: SchedulerOptions,
  ) {
    this.slots = Array.from({ length: opts.parallel }, (_, i) => new Slot(i, model.forwardPass, opts.nCtx, opts.kvType ?? "f16"));
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  get active(): number {
    return this.slots.reduce((n, s) => n + (s.seq ? 1 : 0), 0);
  }

  get kvBytes(): number {
    return this.slots.reduce((n, s) => n + s.allocatedBytes, 0);
  }

  /**
   * Queues sequences (the n choices of one request) atomically. Throws a 503 ApiError with
   * Retry-After when they would not fit in the queue, and sampling errors (RangeError/TypeError)
   * for bad parameters before anything is queued.
   */
  submit(specs: (GenerateSpec | EmbedSpec)[], onToken: ((index: number, e: TokenEvent) => void) | undefined): Sequence[] {
    if (this.closed) throw new ApiError(503, "The server is shutting down", "overloaded_error", "shutting_down");
    const free = this.slots.filter((s) => !s.seq).length;
    const waiting = Math.max(0, this.queue.length + specs.length - free);
    if (waiting > this.opts.maxQueue) {
      this.stats.rejected++;
      throw new ApiError(503, `The server is busy: ${this.active} sequences running and ${this.queue.length} waiting (queue limit ${this.opts.maxQueue}); retry later`,
        "overloaded_error", "queue_full", null, { "Retry-After": String(QUEUE_FULL_RETRY_AFTER_S) });
    }
    const seqs: Sequence[] = [];
    specs.forEach((spec, i) => {
      // Choices of one prompt share its token array: later ones follow the first (see admit).
      const leader = spec.kind === "generate" ? seqs.find((q) => q.spec.prompt === spec.prompt) : undefined;
      const withLeader = leader && spec.kind === "generate" ? { ...spec, leader } : spec;
      const s = new Sequence(withLeader, this.model.tokenizer, this.model.config.nVocab, onToken ? (e) => onToken(i, e) : undefined);
      seqs.push(s);
    });
    this.queue.push(...seqs);
    this.kick();
    return seqs;
  }

  /** Stops a sequence and frees its slot now (its cached tokens stay reusable). */
  cancel(seq: Sequence): void {
    if (seq.finished) return;
    seq.cancel();
    this.release(seq);
    this.stats.cancelled++;
  }

  /** Cancels everything; later submissions get 503. */
  close(): void {
    this.closed = true;
    for (const s of [...this.queue, ...this.slots.map((x) => x.seq)]) if (s) this.cancel(s);
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    setImmediate(() => this.loop());
  }

  private loop(): void {
    this.step();
    if (this.queue.length > 0 || this.active > 0) afterIo(() => this.loop());
    else this.running = false;
  }

  private release(seq: Sequence): void {
    const qi = this.queue.indexOf(seq);
    if (qi !== -1) this.queue.splice(qi, 1);
    for (const slot of this.slots) if (slot.seq === seq) slot.seq = null;
  }

  /** Moves queued sequences into free slots, reusing (or copying) the longest cached prefix. */
  private admit(): void {
    for (let i = 0; i < this.queue.length; ) {
      const seq = this.queue[i]!;
      const spec = seq.spec;
      // A follower waits until its leader's prompt is in a cache, so it can copy instead of recompute.
      if (spec.kind === "generate" && spec.leader && (spec.leader.phase === "queued" || spec.leader.phase === "prefill")) {
        i++;
        continue;
      }
      const free = this.slots.filter((s) => !s.seq);
      if (free.length === 0) return;
      this.queue.splice(i, 1);
      // At least the last prompt token is always evaluated, so its logits exist.
      const usable = spec.kind === "embed" ? 0 : spec.prompt.length - 1;
      let best = free[0]!;
      let bestLen = -1;
      for (const s of free) {
        const len = Math.min(s.commonPrefix(spec.prompt), usable);
        if (len > bestLen || (len === bestLen && s.lastUsed < best.lastUsed)) {
          best = s;
          bestLen = len;
        }
      }
      // Another slot (even a busy one) may hold a longer prefix: copy its keys/values.
      let donor: Slot | undefined;
      let donorLen = bestLen;
      for (const s of this.slots) {
        if (s === best) continue;
        const len = Math.min(s.commonPrefix(spec.prompt), usable);
        if (len > donorLen) {
          donor = s;
          donorLen = len;
        }
      }
      if (donor) best.copyPrefixFrom(donor, donorLen);
      else best.held.length = bestLen;
      const cached = donor ? donorLen : bestLen;
      best.seq = seq;
      best.lastUsed = ++this.clock;
      if (spec.kind === "embed") seq.hidden = new Float32Array(spec.prompt.length * this.model.config.nEmbd);
      seq.markAdmitted(cached);
      this.stats.cachedTokens += cached;
    }
  }

  /** One batched forward pass over every active slot. */
  step(): void {
    this.admit();
    const inputs: SequenceInput[] = [];
    const work: { slot: Slot; seq: Sequence; tokens: number[]; prefill: boolean; completes: boolean }[] = [];
    let budget = this.opts.stepTokens ?? STEP_TOKENS;
    for (const slot of this.slots) {
      const seq = slot.seq;
      if (!seq || seq.phase !== "decode") continue;
      work.push({ slot, seq, tokens: [seq.next], prefill: false, completes: true });
      budget--;
    }
    // Prompts fill what decoding leaves, oldest admission first.
    const prefilling = this.slots.filter((s) => s.seq?.phase === "prefill").sort((a, b) => a.lastUsed - b.lastUsed);
    for (const slot of prefilling) {
      if (budget <= 0) break;
      const seq = slot.seq!;
      const n = Math.min(budget, seq.spec.prompt.length - seq.promptDone);
      budget -= n;
      const tokens = seq.spec.prompt.slice(seq.promptDone, seq.promptDone + n);
      work.push({ slot, seq, tokens, prefill: true, completes: seq.promptDone + n === seq.spec.prompt.length });
    }
    if (work.length === 0) return;
    for (const w of work) {
      const input: SequenceInput = {
        cache: w.slot.cache,
        tokens: w.tokens,
        pos0: w.slot.held.length,
        wanted: w.completes && w.seq.spec.kind === "generate" ? "last" : "none",
      };
      if (w.seq.hidden) input.hidden = w.seq.hidden.subarray(w.seq.promptDone * this.model.config.nEmbd, (w.seq.promptDone + w.tokens.length) * this.model.config.nEmbd);
      inputs.push(input);
    }
    const started = performance.now();
    let outputs: Float32Array[];
    try {
      outputs = this.model.forwardPass.forwardMany(inputs);
    } catch (err) {
      // Nothing is known about the caches' state: fail these sequences and forget what their slots held.
      for (const w of work) {
        w.seq.fail(err);
        w.slot.seq = null;
        w.slot.held = [];
      }
      return;
    }
    this.stats.recordStep(performance.now() - started, work.length);
    for (let i = 0; i < work.length; i++) {
      const { slot, seq, tokens, prefill, completes } = work[i]!;
      slot.held.push(...tokens);
      const before = seq.generatedCount;
      try {
        const contextLeft = slot.nCtx - slot.held.length;
        if (prefill) {
          seq.promptDone += tokens.length;
          this.stats.promptTokens += tokens.length;
          if (completes && seq.hidden) seq.finishEmbedding(meanPool(seq.hidden, seq.spec.prompt.length, this.model.config.nEmbd));
          else if (completes) seq.promptFinished(outputs[i], contextLeft);
        } else {
          seq.consume(outputs[i]!, contextLeft);
        }
      } catch (err) {
        seq.fail(err);
      }
      this.stats.recordTokens(seq.generatedCount - before);
      if (before === 0 && seq.generatedCount > 0) this.onFirstToken?.(seq.ttftMs);
      if (seq.finished) {
        if (slot.seq === seq) slot.seq = null;
        this.stats.finished++;
      }
    }
  }
}

/**
 * Runs `fn` after a few event-loop turns. A request needs several turns (headers, body, handler)
 * to reach the queue; with one turn per step, a new request under load would wait several steps
 * before it is even queued. Idle turns cost microseconds.
 */
function afterIo(fn: () => void, turns = IO_TURNS): void {
  if (turns <= 1) setImmediate(fn);
  else setImmediate(() => afterIo(fn, turns - 1));
}
const IO_TURNS = 4;

/** Mean over positions, then L2 normalization (what OpenAI-style embedding clients expect). */
function meanPool(hidden: Float32Array, nTokens: number, nEmbd: number): Float32Array {
  const out = new Float32Array(nEmbd);
  const sum = new Float64Array(nEmbd);
  for (let t = 0; t < nTokens; t++) for (let i = 0; i < nEmbd; i++) sum[i]! += hidden[t * nEmbd + i]!;
  let norm = 0;
  for (let i = 0; i < nEmbd; i++) {
    sum[i]! /= nTokens;
    norm += sum[i]! * sum[i]!;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < nEmbd; i++) out[i] = sum[i]! / norm;
  return out;
}
