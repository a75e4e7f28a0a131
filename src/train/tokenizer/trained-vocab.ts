// A byte-level BPE vocabulary as the tokenizer trainer produces it: token texts in id order (the
// GGUF `tokenizer.ggml.tokens` form, GPT-2 byte alphabet), merges in rank order, and Llama 3.1's
// 256 special tokens at the end so the Llama 3.1 chat template and its control ids carry over.

import { BYTE_TO_CHAR } from "../../tokenizer/byte-level.js";
import { llama31SpecialToken } from "../../synth/vocab-llama3.js";

export interface TrainedVocab {
  /** Token texts by id: 256 byte tokens, merged tokens, then `nSpecial` special tokens. */
  tokens: string[];
  /** "left right" merge strings, best rank first. */
  merges: string[];
  nSpecial: number;
}

/** Llama 3.1 reserves 256 ids after its BPE tokens (128000..128255). */
export const LLAMA31_SPECIAL_COUNT = 256;

// Offsets inside the special block, as in Llama 3.1 (llama31SpecialToken).
export const SPECIAL_BEGIN_OF_TEXT = 0;
export const SPECIAL_EOM = 8;
export const SPECIAL_EOT = 9;

export class TrainedVocabError extends Error {
  override name = "TrainedVocabError";
}

/** The 256 byte tokens in GPT-2 order (by stand-in character), as Llama 3 numbers them: "!" is 0, "Ċ" (newline) is 198. */
export function byteTokens(): string[] {
  return [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
}

/** Llama 3.1's special-token texts, in id order. */
export function llama31SpecialTokens(): string[] {
  return Array.from({ length: LLAMA31_SPECIAL_COUNT }, (_, i) => llama31SpecialToken(i));
}

/** Id of the special token at `offset` in the special block (e.g. SPECIAL_EOT). */
export function specialId(v: TrainedVocab, offset: number): number {
  if (offset < 0 || offset >= v.nSpecial) throw new TrainedVocabError(`The vocabulary has ${v.nSpecial} special tokens, none at offset ${offset}`);
  return v.tokens.length - v.nSpecial + offset;
}

/**
 * Checks everything the tokenizer relies on: unique non-empty texts, all 256 byte tokens (so any
 * text encodes), every merge joining two tokens into a token, and the Llama 3.1 specials at the end.
 * `source` prefixes the messages (a file path, say).
 */
export function validateTrainedVocab(v: unknown, source = "vocabulary"): asserts v is TrainedVocab {
  const fail = (what: string): never => {
    throw new TrainedVocabError(`${source}: ${what}`);
  };
  if (typeof v !== "object" || v === null) fail("expected an object with tokens, merges and nSpecial");
  const { tokens, merges, nSpecial } = v as Record<string, unknown>;
  if (!Array.isArray(tokens)) fail('"tokens" must be an array of strings');
  if (!Array.isArray(merges)) fail('"merges" must be an array of strings');
  const toks = tokens as unknown[];
  if (nSpecial !== LLAMA31_SPECIAL_COUNT) fail(`"nSpecial" must be ${LLAMA31_SPECIAL_COUNT} (Llama 3.1's special block), got ${JSON.stringify(nSpecial)}`);
  if (toks.length < 256 + LLAMA31_SPECIAL_COUNT) fail(`${toks.length} tokens is fewer than the 256 byte tokens plus ${LLAMA31_SPECIAL_COUNT} specials`);
  const ids = new Map<string, number>();
  toks.forEach((t, i) => {
    if (typeof t !== "string" || t === "") fail(`token ${i} must be a non-empty string, got ${JSON.stringify(t)}`);
    const dup = ids.get(t as string);
    if (dup !== undefined) fail(`token ${i} ${JSON.stringify(t)} repeats token ${dup}`);
    ids.set(t as string, i);
  });
  for (const b of BYTE_TO_CHAR) if (!ids.has(b)) fail(`the byte token ${JSON.stringify(b)} is missing`);
  const base = toks.length - LLAMA31_SPECIAL_COUNT;
  const specials = llama31SpecialTokens();
  for (let i = 0; i < specials.length; i++) {
    if (toks[base + i] !== specials[i]) fail(`token ${base + i} must be the special token ${specials[i]}, got ${JSON.stringify(toks[base + i])}`);
  }
  (merges as unknown[]).forEach((m, r) => {
    const sp = typeof m === "string" ? m.indexOf(" ", 1) : -1;
    if (sp < 0) fail(`merge ${r} must be a "left right" string, got ${JSON.stringify(m)}`);
    const [left, right] = [(m as string).slice(0, sp), (m as string).slice(sp + 1)];
    for (const part of [left, right, left + right]) {
      const id = ids.get(part);
      if (id === undefined || id >= base) fail(`merge ${r} ${JSON.stringify(m)}: ${JSON.stringify(part)} is not a regular token`);
    }
  });
}
