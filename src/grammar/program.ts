// A parsed grammar flattened into one element array (llama.cpp's llama_grammar_element layout:
// each rule is alternatives separated by ALT and closed by END; a character set is CHAR/CHAR_NOT
// followed by CHAR_ALT / CHAR_RNG_UPPER elements). Also computed once here: left-recursion
// rejection (the stack matcher would loop), and each position's completion cost in tokens,
// which budget-aware masking uses to close the output before max_tokens runs out.
// Reference: llama.cpp src/llama-grammar.h `llama_gretype`, llama-grammar.cpp `llama_grammar_match_char`.

import { GrammarError } from "./errors.js";

export enum El {
  END = 0,
  ALT = 1,
  RULE_REF = 2,
  CHAR = 3,
  CHAR_NOT = 4,
  CHAR_RNG_UPPER = 5,
  CHAR_ALT = 6,
  CHAR_ANY = 7,
  TOKEN = 8,
  TOKEN_NOT = 9,
}

export type Element = [El, number];

/** A token element as written: `<[id]>` (id set) or `<|text|>` (resolved through the vocabulary). */
export interface TokenRef {
  id?: number;
  text: string;
}

export interface ParsedGrammar {
  ruleNames: string[];
  rules: Element[][];
  root: number;
  tokens: TokenRef[];
}

export class Program {
  readonly types: Int32Array;
  /** Code point, rule id, or (TOKEN/TOKEN_NOT) the resolved token id. */
  readonly values: Int32Array;
  readonly ruleStart: Int32Array;
  readonly ruleNames: readonly string[];
  readonly root: number;
  /** For a character-set position: the position right after the set. */
  readonly setEnd: Int32Array;
  /** Tokens that finish the alternative from this position along its cheapest path (Infinity: cannot finish). */
  readonly seqCost: Float64Array;
  readonly ruleCost: Float64Array;
  readonly hasTokens: boolean;

  /**
   * `textCost(bytes)` gives, for every offset i, tokens that spell bytes[i..] along one fixed cut
   * (cost[i] = 1 + cost[i + piece length]); default one token per byte.
   */
  constructor(g: ParsedGrammar, resolveToken?: (ref: TokenRef) => number, textCost?: (bytes: Uint8Array) => Int32Array) {
    const n = g.rules.reduce((s, r) => s + r.length, 0);
    this.types = new Int32Array(n);
    this.values = new Int32Array(n);
    this.ruleStart = new Int32Array(g.rules.length);
    this.ruleNames = g.ruleNames;
    this.root = g.root;
    let p = 0;
    let hasTokens = false;
    for (let r = 0; r < g.rules.length; r++) {
      this.ruleStart[r] = p;
      for (const [type, value] of g.rules[r]!) {
        this.types[p] = type;
        if (type === El.TOKEN || type === El.TOKEN_NOT) {
          hasTokens = true;
          const ref = g.tokens[value]!;
          if (ref.id !== undefined) this.values[p] = ref.id;
          else if (resolveToken) this.values[p] = resolveToken(ref);
          else throw new GrammarError(`Token ${ref.text} needs a vocabulary to resolve; write it as <[id]>`);
        } else this.values[p] = value;
        p++;
      }
    }
    this.hasTokens = hasTokens;
    this.setEnd = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      const t = this.types[i]!;
      if (t === El.CHAR || t === El.CHAR_NOT || t === El.CHAR_ANY) {
        let q = i;
        do q += this.types[q + 1] === El.CHAR_RNG_UPPER ? 2 : 1;
        while (this.types[q] === El.CHAR_ALT);
        this.setEnd[i] = q;
      }
    }
    this.checkLeftRecursion();
    this.seqCost = new Float64Array(n);
    this.ruleCost = new Float64Array(g.rules.length).fill(Infinity);
    this.computeCosts(textCost ?? ((bytes) => Int32Array.from({ length: bytes.length + 1 }, (_, i) => bytes.length - i)));
  }

  isEnd(pos: number): boolean {
    const t = this.types[pos];
    return t === El.END || t === El.ALT;
  }

  /** The start position of every alternative of a rule. */
  alternatives(rule: number): number[] {
    const out: number[] = [];
    let p = this.ruleStart[rule]!;
    while (true) {
      out.push(p);
      while (!this.isEnd(p)) p++;
      if (this.types[p] === El.END) return out;
      p++;
    }
  }

  /** Does the character set at `pos` accept code point `cp`? (NUL never matches, as in llama.cpp.) */
  matches(pos: number, cp: number): boolean {
    if (cp === 0) return false;
    const ty = this.types;
    const va = this.values;
    const positive = ty[pos] !== El.CHAR_NOT;
    let found = false;
    let q = pos;
    do {
      if (ty[q + 1] === El.CHAR_RNG_UPPER) {
        if (va[q]! <= cp && cp <= va[q + 1]!) found = true;
        q += 2;
      } else {
        if (ty[q] === El.CHAR_ANY || va[q] === cp) found = true;
        q++;
      }
    } while (ty[q] === El.CHAR_ALT);
    return found === positive;
  }

  /** The ranges a set lists (for CHAR_NOT, the excluded ones). */
  private ranges(pos: number): [number, number][] {
    const out: [number, number][] = [];
    let q = pos;
    do {
      if (this.types[q] === El.CHAR_ANY) {
        out.push([1, 0x10ffff]);
        q++;
      } else if (this.types[q + 1] === El.CHAR_RNG_UPPER) {
        out.push([this.values[q]!, this.values[q + 1]!]);
        q += 2;
      } else {
        out.push([this.values[q]!, this.values[q]!]);
        q++;
      }
    } while (this.types[q] === El.CHAR_ALT);
    return out;
  }

  /** Does the set at `pos` accept some code point in [lo, hi]? (For partial UTF-8 sequences.) */
  intersects(pos: number, lo: number, hi: number): boolean {
    const rs = this.ranges(pos);
    if (this.types[pos] !== El.CHAR_NOT) return rs.some(([a, b]) => a <= hi && b >= lo);
    // Negated: some point of [lo, hi] escapes every excluded range.
    rs.sort((x, y) => x[0] - y[0]);
    let next = Math.max(lo, 1);
    for (const [a, b] of rs) {
      if (a > next) break;
      if (b >= next) next = b + 1;
    }
    return next <= hi;
  }

  /** The character a cheapest completion uses for the set at `pos`: printable ASCII first, then the shortest; -1 if none. */
  private cheapestChar(pos: number): number {
    for (let cp = 0x20; cp < 0x7f; cp++) if (this.matches(pos, cp)) return cp;
    for (let cp = 1; cp < 0x80; cp++) if (this.matches(pos, cp)) return cp;
    for (const [lo, hi] of [[0x80, 0x7ff], [0x800, 0xffff], [0x10000, 0x10ffff]] as const) {
      if (!this.intersects(pos, lo, hi)) continue;
      if (this.types[pos] !== El.CHAR_NOT) {
        for (const [a, b] of this.ranges(pos)) if (b >= lo && a <= hi) return Math.max(a, lo);
      }
      for (let cp = lo; cp <= hi; cp++) if (this.matches(pos, cp)) return cp;
    }
    return -1;
  }

  /**
   * seqCost[pos]: tokens that finish the alternative from `pos` along its cheapest path. A run of
   * character sets is spelled with its cheapest characters and cut into tokens as one text (so a
   * literal like "\"name\"" costs what its tokens cost); rule references add their rule's cost and
   * token elements one. The sum is additive along the stack, so a state's cost is achievable and
   * drops by exactly one along the cut, which budget steering relies on.
   */
  private computeCosts(textCost: (bytes: Uint8Array) => Int32Array): void {
    const n = this.types.length;
    const runCost = new Float64Array(n).fill(Infinity);
    const runEnd = new Int32Array(n).fill(-1);
    const enc = new TextEncoder();
    for (let r = 0; r < this.ruleStart.length; r++) {
      for (const start of this.alternatives(r)) {
        for (let q = start; !this.isEnd(q); ) {
          if (this.setEnd[q]! < 0) {
            q++;
            continue;
          }
          // A maximal run of character sets: q .. end.
          const starts: number[] = [];
          const chars: number[] = [];
          let e = q;
          while (!this.isEnd(e) && this.setEnd[e]! >= 0) {
            starts.push(e);
            chars.push(this.cheapestChar(e));
            e = this.setEnd[e]!;
          }
          if (chars.includes(-1)) {
            // A set that matches nothing: the run cannot be finished.
            for (const s0 of starts) runEnd[s0] = e;
          } else {
            const offsets: number[] = [];
            const parts: Uint8Array[] = [];
            let len = 0;
            for (const c of chars) {
              offsets.push(len);
              const b = enc.encode(String.fromCodePoint(c));
              parts.push(b);
              len += b.length;
            }
            const bytes = new Uint8Array(len);
            parts.forEach((b, i) => bytes.set(b, offsets[i]!));
            const cost = textCost(bytes);
            starts.forEach((s0, i) => {
              runCost[s0] = cost[offsets[i]!]!;
              runEnd[s0] = e;
            });
          }
          q = e;
        }
      }
    }
    // Rule costs only decrease, and converge within #rules rounds (Bellman-Ford).
    const fill = (start: number): number => {
      const elems: number[] = [];
      let end = start;
      while (!this.isEnd(end)) {
        elems.push(end);
        end = this.setEnd[end]! >= 0 ? this.setEnd[end]! : end + 1;
      }
      this.seqCost[end] = 0;
      for (let k = elems.length - 1; k >= 0; k--) {
        const q = elems[k]!;
        const t = this.types[q]!;
        if (t === El.RULE_REF) this.seqCost[q] = this.ruleCost[this.values[q]!]! + this.seqCost[q + 1]!;
        else if (t === El.TOKEN || t === El.TOKEN_NOT) this.seqCost[q] = 1 + this.seqCost[q + 1]!;
        else this.seqCost[q] = runCost[q]! + this.seqCost[runEnd[q]!]!;
      }
      return this.seqCost[start]!;
    };
    for (let round = 0; round <= this.ruleStart.length; round++) {
      let changed = false;
      for (let r = 0; r < this.ruleStart.length; r++) {
        let best = Infinity;
        for (const start of this.alternatives(r)) best = Math.min(best, fill(start));
        if (best < this.ruleCost[r]!) {
          this.ruleCost[r] = best;
          changed = true;
        }
      }
      if (!changed) break;
    }
    for (let r = 0; r < this.ruleStart.length; r++) for (const start of this.alternatives(r)) fill(start);
  }

  /** A rule that can reach itself without consuming input would make the matcher loop forever. */
  private checkLeftRecursion(): void {
    const nRules = this.ruleStart.length;
    const nullable = new Uint8Array(nRules);
    for (let changed = true; changed; ) {
      changed = false;
      for (let r = 0; r < nRules; r++) {
        if (nullable[r]) continue;
        for (const start of this.alternatives(r)) {
          let q = start;
          while (!this.isEnd(q) && this.types[q] === El.RULE_REF && nullable[this.values[q]!]) q++;
          if (this.isEnd(q)) {
            nullable[r] = 1;
            changed = true;
            break;
          }
        }
      }
    }
    const state = new Uint8Array(nRules); // 0 unvisited, 1 in progress, 2 done
    const visit = (r: number, path: number[]): void => {
      if (state[r] === 2) return;
      if (state[r] === 1) {
        const cycle = [...path.slice(path.indexOf(r)), r].map((x) => `"${this.ruleNames[x]}"`).join(" → ");
        throw new GrammarError(`Left recursion in the grammar: ${cycle} can repeat without consuming input`);
      }
      state[r] = 1;
      path.push(r);
      for (const start of this.alternatives(r)) {
        for (let q = start; !this.isEnd(q) && this.types[q] === El.RULE_REF; q++) {
          visit(this.values[q]!, path);
          if (!nullable[this.values[q]!]) break;
        }
      }
      path.pop();
      state[r] = 2;
    };
    for (let r = 0; r < nRules; r++) visit(r, []);
  }
}
