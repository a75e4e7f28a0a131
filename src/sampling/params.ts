// Sampling parameters, their llama.cpp defaults (common/common.h, common_params_sampling) and
// validation. Every field is checked up front so a bad request fails with a clear message
// instead of producing NaN probabilities mid-generation.

import { UnsupportedError } from "../errors.js";

export interface SamplingParams {
  /**
   * Default 0.8; any value <= 0 is greedy: the first maximum in candidate order wins (lowest id
   * when nothing sorted the list; after top-k, libstdc++'s order among equal logits).
   */
  temperature?: number;
  /** Default 40; <= 0 turns top-k off. */
  topK?: number;
  /** Default 0.95, in (0, 1]; 1 turns top-p off. */
  topP?: number;
  /** Default 0.05, in [0, 1]; 0 turns min-p off. */
  minP?: number;
  /** Default 1 (off), in (0, 1]. */
  typicalP?: number;
  /** Default 1 (off); must be > 0. */
  repeatPenalty?: number;
  /** Default 64; 0 disables the penalties, -1 penalizes over the whole history. */
  repeatLastN?: number;
  /** Default 0; subtracted once per occurrence in the window. */
  frequencyPenalty?: number;
  /** Default 0; subtracted once if the token occurs in the window. */
  presencePenalty?: number;
  /** Default 0; top-p, min-p and typical keep at least this many tokens. */
  minKeep?: number;
  /** Integer in [0, 2^32 - 1]; absent or 0xFFFFFFFF (LLAMA_DEFAULT_SEED) picks a random seed. */
  seed?: number;
  /** Added to the raw logits before anything else; -Infinity bans a token. */
  logitBias?: Record<number, number> | Map<number, number>;
  /**
   * llama.cpp's --sampling-seq letters, default "edskypmxt": e penalties, k top-k, y typical,
   * p top-p, m min-p, t temperature. d (DRY), s (top-n-sigma) and x (XTC) are accepted and
   * skipped because those samplers are always off here. The final draw is always appended.
   */
  order?: string;
}

export const DEFAULT_SAMPLING: Required<Omit<SamplingParams, "seed" | "logitBias">> = Object.freeze({
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  typicalP: 1,
  repeatPenalty: 1,
  repeatLastN: 64,
  frequencyPenalty: 0,
  presencePenalty: 0,
  minKeep: 0,
  order: "edskypmxt",
});

/** llama.cpp's LLAMA_DEFAULT_SEED: "pick a random seed". */
export const RANDOM_SEED = 0xffffffff;

/** One stage of the chain: e penalties, k top-k, y typical, p top-p, m min-p, t temperature. */
export type Stage = "e" | "k" | "y" | "p" | "m" | "t";

export interface ResolvedParams extends Required<Omit<SamplingParams, "seed" | "logitBias">> {
  seed: number | undefined;
  /** Biased token ids and their f32 biases, in ascending id order. */
  biasTokens: Int32Array;
  biasValues: Float32Array;
  stages: Stage[];
}

const SKIPPED_STAGES = new Set(["d", "s", "x"]);
const STAGES = new Set(["e", "k", "y", "p", "m", "t"]);

function describe(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

function checkNumber(name: string, value: unknown, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== "number") {
    throw new TypeError(`Sampling parameter "${name}" must be a number, got ${describe(value)}`);
  }
  if (!ok(value)) {
    throw new RangeError(`Sampling parameter "${name}" must be ${expected}, got ${describe(value)}`);
  }
  return value;
}

function parseOrder(order: unknown): Stage[] {
  if (typeof order !== "string") {
    throw new TypeError(`Sampling parameter "order" must be a string, got ${describe(order)}`);
  }
  const stages: Stage[] = [];
  for (const ch of order) {
    if (STAGES.has(ch)) stages.push(ch as Stage);
    else if (SKIPPED_STAGES.has(ch)) continue;
    else if (ch === "i" || ch === "a") {
      const name = ch === "i" ? "infill" : "adaptive-p";
      throw new UnsupportedError(`Sampler "${ch}" (${name}) in order "${order}" is not supported`, name);
    } else {
      throw new RangeError(`Sampling parameter "order" has unknown sampler letter "${ch}" in "${order}"; expected letters from "edskypmxt"`);
    }
  }
  return stages;
}

function parseBias(bias: unknown, nVocab: number): { tokens: Int32Array; values: Float32Array } {
  let entries: [unknown, unknown][];
  if (bias instanceof Map) entries = [...bias.entries()];
  else if (typeof bias === "object" && bias !== null && !Array.isArray(bias)) entries = Object.entries(bias);
  else throw new TypeError(`Sampling parameter "logitBias" must be a Map or an object keyed by token id, got ${describe(bias)}`);
  const pairs: [number, number][] = [];
  for (const [key, value] of entries) {
    const token = typeof key === "string" && /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : key;
    if (typeof token !== "number" || !Number.isInteger(token) || token < 0 || token >= nVocab) {
      throw new RangeError(`Sampling parameter "logitBias" has token ${describe(key)}, expected an integer id in [0, ${nVocab - 1}]`);
    }
    if (typeof value !== "number" || !(Number.isFinite(value) || value === -Infinity)) {
      throw new RangeError(`Sampling parameter "logitBias" for token ${token} must be a finite number or -Infinity, got ${describe(value)}`);
    }
    pairs.push([token, value]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return {
    tokens: Int32Array.from(pairs, (p) => p[0]),
    values: Float32Array.from(pairs, (p) => p[1]),
  };
}

/** Fills defaults (for absent or undefined fields) and validates every field; errors name the field. */
export function resolveParams(params: SamplingParams | undefined, nVocab: number): ResolvedParams {
  if (!Number.isInteger(nVocab) || nVocab < 1) {
    throw new RangeError(`Sampler nVocab must be a positive integer, got ${describe(nVocab)}`);
  }
  if (params !== undefined && (typeof params !== "object" || params === null)) {
    throw new TypeError(`Sampling parameters must be an object, got ${describe(params)}`);
  }
  // Other keys are ignored: callers pass wider option objects (e.g. generation options).
  const p = (params ?? {}) as Partial<Record<keyof SamplingParams, unknown>>;
  const d = DEFAULT_SAMPLING;
  const int32 = (v: number) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
  const finite = (v: number) => Number.isFinite(v);
  const unit = (v: number) => v > 0 && v <= 1;

  const seed = p.seed === undefined ? undefined
    : checkNumber("seed", p.seed, (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff, "an integer in [0, 4294967295]");
  const bias = p.logitBias === undefined ? { tokens: new Int32Array(0), values: new Float32Array(0) } : parseBias(p.logitBias, nVocab);

  return {
    temperature: checkNumber("temperature", p.temperature ?? d.temperature, finite, "a finite number"),
    topK: checkNumber("topK", p.topK ?? d.topK, int32, "an integer (<= 0 turns top-k off)"),
    topP: checkNumber("topP", p.topP ?? d.topP, unit, "in (0, 1]"),
    minP: checkNumber("minP", p.minP ?? d.minP, (v) => v >= 0 && v <= 1, "in [0, 1]"),
    typicalP: checkNumber("typicalP", p.typicalP ?? d.typicalP, unit, "in (0, 1]"),
    repeatPenalty: checkNumber("repeatPenalty", p.repeatPenalty ?? d.repeatPenalty, (v) => finite(v) && v > 0, "a finite number > 0"),
    repeatLastN: checkNumber("repeatLastN", p.repeatLastN ?? d.repeatLastN, (v) => int32(v) && v >= -1, "an integer >= -1"),
    frequencyPenalty: checkNumber("frequencyPenalty", p.frequencyPenalty ?? d.frequencyPenalty, finite, "a finite number"),
    presencePenalty: checkNumber("presencePenalty", p.presencePenalty ?? d.presencePenalty, finite, "a finite number"),
    minKeep: checkNumber("minKeep", p.minKeep ?? d.minKeep, (v) => int32(v) && v >= 0, "an integer >= 0"),
    order: (p.order ?? d.order) as string,
    stages: parseOrder(p.order ?? d.order),
    seed: seed === RANDOM_SEED ? undefined : seed,
    biasTokens: bias.tokens,
    biasValues: bias.values,
  };
}
