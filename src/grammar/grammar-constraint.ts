// A grammar as a token-level Constraint. For each grammar state the engine computes, once, the
// cost left after every token (tokens to a complete match, or "forbidden") by walking the
// sorted vocabulary through the byte DFA; masking is then one pass comparing those costs with the
// budget. Engines are shared per (tokenizer, grammar) so a server's requests reuse the tables
// (at most 16 grammars per tokenizer, 24 MB of cached rows each).
// Reference: llama.cpp src/llama-grammar.cpp `llama_grammar_apply_impl` (EOG allowed only when
// the grammar is complete; empty pieces rejected), `llama_grammar_accept_impl`.

import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { Constraint } from "./constraint.js";
import { DEAD, GrammarDfa } from "./dfa.js";
import { parseGbnf } from "./gbnf.js";
import { GrammarError } from "./errors.js";
import { Program, type TokenRef } from "./program.js";
import { greedyCut, vocabIndex, type VocabIndex } from "./vocab-index.js";

const FORBIDDEN = 0xffff;
const MAX_COST = 0xfffe;

/**
 * One state's costs after each token: dense (one entry per token) when many tokens are allowed,
 * sparse (allowed ids and their costs) when few are, which is most states outside free text.
 */
export interface CostRow {
  dense?: Uint16Array;
  ids?: Int32Array;
  costs?: Uint16Array;
  bytes: number;
}

function compact(full: Uint16Array): CostRow {
  let allowed = 0;
  for (let t = 0; t < full.length; t++) if (full[t] !== FORBIDDEN) allowed++;
  if (allowed * 6 >= full.length * 2) return { dense: full.slice(), bytes: full.length * 2 };
  const ids = new Int32Array(allowed);
  const costs = new Uint16Array(allowed);
  for (let t = 0, k = 0; t < full.length; t++) {
    if (full[t] !== FORBIDDEN) {
      ids[k] = t;
      costs[k++] = full[t]!;
    }
  }
  return { ids, costs, bytes: allowed * 6 + 64 };
}

/** The cost after token `t` in a row (FORBIDDEN if refused). */
export function rowCost(row: CostRow, t: number): number {
  if (row.dense) return row.dense[t]!;
  const ids = row.ids!;
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] === t) return row.costs![mid]!;
    if (ids[mid]! < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return FORBIDDEN;
}
/** Memory for one engine's cached per-state cost rows (2 bytes per vocabulary entry each). */
const CACHE_BYTES = 24 * 1024 * 1024;
/** An engine with more DFA states than this is replaced for new constraints (its tables keep growing otherwise). */
const MAX_STATES = 50_000;

export class GrammarEngine {
  readonly dfa: GrammarDfa;
  readonly vocab: VocabIndex;
  private readonly rows = new Map<number, CostRow>();
  private cachedBytes = 0;
  private readonly scratch: Uint16Array;
  private readonly stateAt: Int32Array;
  /** Statistics for benchmarks: rows computed by a vocabulary walk, and rows served from cache. */
  readonly stats = { walks: 0, hits: 0, walkMs: 0 };

  constructor(
    readonly tokenizer: Tokenizer,
    gbnf: string,
  ) {
    this.vocab = vocabIndex(tokenizer);
    const parsed = parseGbnf(gbnf);
    // Completion costs in tokens: cheapest texts cut greedily into this vocabulary's pieces.
    const program = new Program(parsed, (ref) => resolveToken(tokenizer, ref), (bytes) => greedyCut(this.vocab, bytes));
    this.dfa = new GrammarDfa(program, (pos) => program.seqCost[pos]!);
    this.scratch = new Uint16Array(this.vocab.nVocab);
    this.stateAt = new Int32Array(this.vocab.maxLen + 1);
  }

  /** Cost after each token from state `s` (FORBIDDEN where the grammar refuses it). */
  row(s: number): CostRow {
    let r = this.rows.get(s);
    if (r) {
      this.stats.hits++;
      this.rows.delete(s);
      this.rows.set(s, r); // most recently used last
      return r;
    }
    const t0 = performance.now();
    r = compact(this.walk(s));
    this.stats.walks++;
    this.stats.walkMs += performance.now() - t0;
    this.cachedBytes += r.bytes;
    while (this.cachedBytes > CACHE_BYTES && this.rows.size > 0) {
      const [oldest, row] = this.rows.entries().next().value!;
      this.rows.delete(oldest);
      this.cachedBytes -= row.bytes;
    }
    this.rows.set(s, r);
    return r;
  }

  /** Walks the vocabulary from state `s` into a scratch row (valid until the next walk). */
  private walk(s: number): Uint16Array {
    const { order, lcp, offsets, bytes } = this.vocab;
    const dfa = this.dfa;
    const out = this.scratch.fill(FORBIDDEN);
    const stateAt = this.stateAt;
    stateAt[0] = s;
    let table = dfa.table;
    let deadAt = 0x7fffffff; // bytes[0..deadAt] of the last walked token lead nowhere
    for (let i = 0; i < order.length; i++) {
      const common = lcp[i]!;
      if (common > deadAt) continue; // shares the refused prefix
      deadAt = 0x7fffffff;
      const start = offsets[i]!;
      const len = offsets[i + 1]! - start;
      let st = stateAt[common]!;
      let d = common;
      for (; d < len; d++) {
        const b = bytes[start + d]!;
        let nx = table[st * 256 + b]! - 1;
        if (nx < 0) {
          nx = dfa.step(st, b);
          table = dfa.table; // computing a transition may grow the table
        }
        st = nx;
        if (st === DEAD) break;
        stateAt[d + 1] = st;
      }
      if (d < len) {
        deadAt = d;
        continue;
      }
      const c = dfa.cost(st);
      out[order[i]!] = c < MAX_COST ? c : MAX_COST;
    }
    for (const t of this.vocab.eog) out[t] = dfa.isComplete(s) ? 0 : FORBIDDEN;
    if (dfa.hasTokenTops(s)) this.addTokenMatches(s, out);
    return out;
  }

  /** Tokens matched whole by `<[id]>` / `!<[id]>` elements. */
  private addTokenMatches(s: number, out: Uint16Array): void {
    const eog = new Set(this.vocab.eog);
    const capped = (st: number) => (st === DEAD ? FORBIDDEN : Math.min(this.dfa.cost(st), MAX_COST));
    const mentioned = this.dfa.tokenTopValues(s);
    // Tokens no element names all reach the same state (through the negated elements, if any).
    const others = capped(this.dfa.stepToken(s, -1));
    for (let t = 0; t < out.length; t++) {
      if (eog.has(t) || mentioned.has(t)) continue;
      if (others < out[t]!) out[t] = others;
    }
    for (const t of mentioned) {
      if (eog.has(t) || t < 0 || t >= out.length) continue;
      const c = capped(this.dfa.stepToken(s, t));
      if (c < out[t]!) out[t] = c;
    }
  }

  /** The state after a token (DEAD if refused). */
  next(s: number, token: number): number {
    const piece = this.vocab.pieces[token];
    let st = piece ? this.dfa.run(s, piece) : DEAD;
    if (this.dfa.hasTokenTops(s)) st = this.dfa.union(st, this.dfa.stepToken(s, token));
    return st;
  }
}

function resolveToken(tokenizer: Tokenizer, ref: TokenRef): number {
  const ids = tokenizer.encode(ref.text, { addSpecial: false, parseSpecial: true });
  if (ids.length !== 1) throw new GrammarError(`Token ${ref.text} is not a single token of this model's vocabulary`);
  return ids[0]!;
}

const engines = new WeakMap<Tokenizer, Map<string, GrammarEngine>>();
const MAX_ENGINES = 16;

/** The engine for a grammar text, shared by every constraint on the same tokenizer (LRU of 16). */
export function grammarEngine(tokenizer: Tokenizer, gbnf: string): GrammarEngine {
  let m = engines.get(tokenizer);
  if (!m) engines.set(tokenizer, (m = new Map()));
  let e = m.get(gbnf);
  if (e && e.dfa.stateCount <= MAX_STATES) {
    m.delete(gbnf);
  } else {
    if (e) m.delete(gbnf); // constraints already using it keep it; new ones start afresh
    e = new GrammarEngine(tokenizer, gbnf);
    if (m.size >= MAX_ENGINES) m.delete(m.keys().next().value!);
  }
  m.set(gbnf, e);
  return e;
}

// Cost estimates are upper bounds and need not shrink by exactly one per token; when no token
// fits the budget, the tokens closest to a complete output are kept so the output still closes.
function maskDense(row: Uint16Array, logits: Float32Array, limit: number): number {
  let best = FORBIDDEN;
  for (let t = 0; t < row.length && best > limit; t++) if (row[t]! < best && logits[t]! > -Infinity) best = row[t]!;
  const threshold = best <= limit || best === FORBIDDEN ? limit : best;
  let allowed = 0;
  for (let t = 0; t < row.length; t++) {
    if (row[t]! > threshold) logits[t] = -Infinity;
    else if (logits[t]! > -Infinity) allowed++;
  }
  return allowed;
}

function maskSparse(ids: Int32Array, costs: Uint16Array, logits: Float32Array, limit: number): number {
  let best = FORBIDDEN;
  for (let k = 0; k < ids.length; k++) if (costs[k]! < best && logits[ids[k]!]! > -Infinity) best = costs[k]!;
  const threshold = best <= limit || best === FORBIDDEN ? limit : best;
  const kept = new Float32Array(ids.length);
  for (let k = 0; k < ids.length; k++) kept[k] = costs[k]! <= threshold ? logits[ids[k]!]! : -Infinity;
  logits.fill(-Infinity);
  let allowed = 0;
  for (let k = 0; k < ids.length; k++) {
    logits[ids[k]!] = kept[k]!;
    if (kept[k]! > -Infinity) allowed++;
  }
  return allowed;
}

/** One generation's position in a grammar. */
export class GrammarConstraint implements Constraint {
  private state: number;
  private ended = false;

  constructor(readonly engine: GrammarEngine) {
    this.state = engine.dfa.initial;
    if (this.state === DEAD) throw new GrammarError("The grammar matches nothing");
    if (engine.dfa.cost(this.state) === Infinity) throw new GrammarError("The grammar has no finite complete output (every rule keeps going)");
  }

  mask(logits: Float32Array, tokensLeft?: number): void {
    if (logits.length !== this.engine.vocab.nVocab) {
      throw new RangeError(`Logits length ${logits.length} does not match the vocabulary size ${this.engine.vocab.nVocab}`);
    }
    const row = this.engine.row(this.state);
    // A token is allowed if a complete output still fits in the tokens left after it.
    const limit = tokensLeft === undefined || tokensLeft - 1 >= MAX_COST ? MAX_COST : Math.max(tokensLeft - 1, 0);
    const allowed = row.dense ? maskDense(row.dense, logits, limit) : maskSparse(row.ids!, row.costs!, logits, limit);
    if (allowed === 0) {
      throw new GrammarError(
        tokensLeft !== undefined && this.minTokensToComplete() > tokensLeft
          ? `No valid completion fits in the ${tokensLeft} tokens left (at least ${this.minTokensToComplete()} are needed)`
          : "No token can continue the output under the grammar",
      );
    }
  }

  accept(token: number): void {
    if (this.ended) throw new GrammarError(`Token ${token} follows the end of the output`);
    if (this.engine.vocab.eog.includes(token)) {
      if (!this.engine.dfa.isComplete(this.state)) throw new GrammarError(`End-of-generation token ${token} before the output is complete`);
      this.ended = true;
      return;
    }
    const next = this.engine.next(this.state, token);
    if (next === DEAD) {
      const piece = this.engine.tokenizer.tokenToPiece(token, true);
      throw new GrammarError(`Token ${token} (${JSON.stringify(new TextDecoder().decode(piece))}) is not allowed by the grammar here`);
    }
    this.state = next;
  }

  isComplete(): boolean {
    return this.engine.dfa.isComplete(this.state);
  }

  mustEnd(): boolean {
    return this.ended || this.engine.dfa.isFinal(this.state);
  }

  minTokensToComplete(): number {
    return this.engine.dfa.cost(this.state);
  }
}
