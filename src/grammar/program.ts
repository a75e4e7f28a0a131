// A parsed grammar flattened into one element array (llama.cpp's llama_grammar_element layout:
// each rule is alternatives separated by ALT and closed by END; a character set is CHAR/CHAR_NOT
// followed by CHAR_ALT / CHAR_RNG_UPPER elements). Also computed once here: left-recursion
// rejection (the stack matcher would loop), and each position's minimal completion cost in bytes,
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

const utf8Len = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

export class Program {
  readonly types: Int32Array;
  /** Code point, rule id, or (TOKEN/TOKEN_NOT) the resolved token id. */
  readonly values: Int32Array;
  readonly ruleStart: Int32Array;
  readonly ruleNames: readonly string[];
  readonly root: number;
  /** For a character-set position: the position right after the set. */
  readonly setEnd: Int32Array;
  /** Fewest bytes that finish the alternative from this position (Infinity: cannot finish). */
  readonly seqCost: Float64Array;
  readonly ruleCost: Float64Array;
  readonly hasTokens: boolean;

  constructor(g: ParsedGrammar, resolveToken?: (ref: TokenRef) => number) {
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
    this.computeCosts();
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

  /** UTF-8 length of the shortest character the set at `pos` accepts (Infinity if none). */
  private minCharBytes(pos: number): number {
    if (this.types[pos] !== El.CHAR_NOT) return Math.min(...this.ranges(pos).map(([a]) => utf8Len(Math.max(a, 1))));
    for (const [lo, hi] of [[1, 0x7f], [0x80, 0x7ff], [0x800, 0xffff], [0x10000, 0x10ffff]] as const) {
      if (this.intersects(pos, lo, hi)) return utf8Len(lo);
    }
    return Infinity;
  }

  private computeCosts(): void {
    const n = this.types.length;
    const charCost = new Float64Array(n);
    for (let i = 0; i < n; i++) if (this.setEnd[i]! >= 0) charCost[i] = this.minCharBytes(i);
    // Bellman-Ford style: rule costs only decrease, and converge within #rules rounds.
    for (let round = 0; round <= this.ruleStart.length; round++) {
      let changed = false;
      for (let r = 0; r < this.ruleStart.length; r++) {
        let best = Infinity;
        for (const start of this.alternatives(r)) best = Math.min(best, this.fillSeq(start, charCost));
        if (best < this.ruleCost[r]!) {
          this.ruleCost[r] = best;
          changed = true;
        }
      }
      if (!changed) break;
    }
    for (let r = 0; r < this.ruleStart.length; r++) for (const start of this.alternatives(r)) this.fillSeq(start, charCost);
  }

  /** Fills seqCost for one alternative (back to front) and returns the cost of its start. */
  private fillSeq(start: number, charCost: Float64Array): number {
    let end = start;
    while (!this.isEnd(end)) end++;
    this.seqCost[end] = 0;
    // Walk element starts front to back, then accumulate back to front.
    const starts: number[] = [];
    for (let q = start; q < end; ) {
      starts.push(q);
      const t = this.types[q]!;
      q = this.setEnd[q]! >= 0 ? this.setEnd[q]! : q + 1;
      if (t === El.CHAR_ALT || t === El.CHAR_RNG_UPPER) throw new Error("Malformed grammar program");
    }
    let acc = 0;
    for (let k = starts.length - 1; k >= 0; k--) {
      const q = starts[k]!;
      const t = this.types[q]!;
      acc += t === El.RULE_REF ? this.ruleCost[this.values[q]!]! : t === El.TOKEN || t === El.TOKEN_NOT ? 1 : charCost[q]!;
      this.seqCost[q] = acc;
    }
    return acc;
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
