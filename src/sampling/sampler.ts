// logits → token id, as llama.cpp's common_sampler chain does it (common/sampling.cpp):
// logit bias, then the stages in `order` (default penalties → top-k → typical → top-p → min-p
// → temperature), then the seeded `dist` draw. Buffers are allocated once per Sampler.

import { Candidates } from "./candidates.js";
import { minP, topK, topP, typical } from "./filters.js";
import { checkedMaxLogit, logSumExp } from "./logprobs.js";
import { type ResolvedParams, RANDOM_SEED, resolveParams, type SamplingParams } from "./params.js";
import { PenaltyWindow } from "./penalties.js";
import { dist, temperature } from "./pick.js";
import { Mt19937 } from "./rng.js";

export { DEFAULT_SAMPLING, type SamplingParams } from "./params.js";
export { logSoftmaxAt, topLogprobs } from "./logprobs.js";

export interface SampledToken {
  token: number;
  /** log softmax of the raw model logits at `token` (what APIs report), not of the filtered list. */
  logprob: number;
}

/** A random seed other than RANDOM_SEED, so that passing it back reproduces the run. */
function randomSeed(): number {
  const buf = new Uint32Array(1);
  do crypto.getRandomValues(buf);
  while (buf[0] === RANDOM_SEED);
  return buf[0]!;
}

export class Sampler {
  /** The seed actually in use (drawn at random when none was given); pass it back to replay. */
  readonly seed: number;
  readonly params: Readonly<ResolvedParams>;
  private readonly rng: Mt19937;
  private readonly penalties: PenaltyWindow;
  private readonly cands: Candidates;

  /** Validates every parameter; throws TypeError/RangeError naming the offending field. */
  constructor(params: SamplingParams | undefined, readonly nVocab: number) {
    this.params = Object.freeze(resolveParams(params, nVocab));
    const p = this.params;
    this.seed = p.seed ?? randomSeed();
    this.rng = new Mt19937(this.seed);
    this.penalties = new PenaltyWindow(nVocab, p.repeatLastN, p.repeatPenalty, p.frequencyPenalty, p.presencePenalty);
    this.cands = new Candidates(nVocab);
  }

  /**
   * Picks the next token from one row of logits (length nVocab; not modified). Does not record
   * the token: call accept() with it (and with prompt tokens) so the penalties see it.
   */
  sample(logits: Float32Array): SampledToken {
    this.checkRow(logits);
    // Validates the row (no NaN, no +Infinity, not all -Infinity) and prepares the logprob.
    const { max, logSum } = logSumExp(logits);
    const token = this.pick(logits);
    return { token, logprob: logits[token]! - max - logSum };
  }

  /**
   * sample() without the logprob: the same token (same checks, same RNG draw), minus the
   * log-sum-exp over the whole vocabulary, the largest cost of a sample once top-k has cut the
   * list. For callers that report no log-probabilities.
   */
  sampleToken(logits: Float32Array): number {
    this.checkRow(logits);
    checkedMaxLogit(logits);
    return this.pick(logits);
  }

  private checkRow(logits: Float32Array): void {
    if (!(logits instanceof Float32Array)) {
      throw new TypeError(`Sampler.sample logits must be a Float32Array, got ${Object.prototype.toString.call(logits)}`);
    }
    if (logits.length !== this.nVocab) {
      throw new RangeError(`Sampler.sample logits length must equal nVocab ${this.nVocab}, got ${logits.length}`);
    }
  }

  /** Runs the chain over a validated row. */
  private pick(logits: Float32Array): number {
    const c = this.cands;
    const p = this.params;
    c.load(logits);
    const l = c.logits;
    // Logit bias runs before the chain, while index still equals token id.
    for (let i = 0; i < p.biasTokens.length; i++) {
      const t = p.biasTokens[i]!;
      l[t] = Math.fround(l[t]! + p.biasValues[i]!);
    }
    let anyFinite = false;
    for (let i = 0; i < l.length && !anyFinite; i++) anyFinite = l[i] !== -Infinity;
    if (!anyFinite) throw new RangeError("Every token has a logit of -Infinity (after logit bias), so none can be sampled");

    for (const stage of p.stages) {
      switch (stage) {
        case "e": this.penalties.apply(c); break;
        case "k": topK(c, p.topK); break;
        case "y": typical(c, p.typicalP, p.minKeep); break;
        case "p": topP(c, p.topP, p.minKeep); break;
        case "m": minP(c, p.minP, p.minKeep); break;
        case "t": temperature(c, p.temperature); break;
      }
    }
    return c.idAt(dist(c, this.rng));
  }

  /** Appends a token (generated or from the prompt) to the penalty window. */
  accept(token: number): void {
    if (!Number.isInteger(token) || token < 0 || token >= this.nVocab) {
      throw new RangeError(`Sampler.accept token must be an integer id in [0, ${this.nVocab - 1}], got ${token}`);
    }
    this.penalties.accept(token);
  }

  /**
   * Clears the penalty window and restarts the RNG from `seed`. Unlike llama.cpp, a random seed
   * is not redrawn, so a reset sampler replays its run; create a new Sampler for a fresh seed.
   */
  reset(): void {
    this.penalties.reset();
    this.rng.seed(this.seed);
  }
}
