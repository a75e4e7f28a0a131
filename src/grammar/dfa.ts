// A lazily built byte-level DFA over grammar states. A state is a set of interned stacks plus a
// pending partial UTF-8 sequence (llama.cpp's llama_partial_utf8); stepping a byte completes or
// extends the sequence and, on a full code point, advances every stack. Transitions are cached in
// one flat table (256 entries per state), so walking a token's bytes is a few array reads once the
// states it passes through have been seen: that is what makes masking 128k tokens cheap.
// Reference: llama.cpp src/llama-grammar.cpp `decode_utf8`, `llama_grammar_match_partial_char`.

import type { Program } from "./program.js";
import { StackStore } from "./stacks.js";

export const DEAD = 0;
/** Smallest code point a UTF-8 sequence of each length may encode. */
const MIN_CODE_POINT = [0, 0, 0x80, 0x800, 0x10000];

/** Grow-only transition table storing next state + 1, so a fresh (zeroed) entry means "not computed". */
class Table {
  data = new Int32Array(256 * 64);
  ensure(n: number): void {
    if (n <= this.data.length) return;
    let size = this.data.length;
    while (size < n) size *= 2;
    const next = new Int32Array(size);
    next.set(this.data);
    this.data = next;
  }
}

export class GrammarDfa {
  readonly stacks: StackStore;
  private readonly nodes: Int32Array[] = [new Int32Array(0)];
  private readonly partialValue: number[] = [0];
  private readonly partialNeed: number[] = [0];
  /** Length of the pending sequence (2..4), so overlong encodings can be refused. */
  private readonly partialLen: number[] = [0];
  private readonly costs: number[] = [Infinity];
  private readonly keys = new Map<string, number>();
  private readonly trans = new Table();
  readonly initial: number;

  constructor(
    readonly program: Program,
    posCost: (pos: number) => number,
  ) {
    this.stacks = new StackStore(program, posCost);
    this.trans.data.fill(DEAD + 1, 0, 256); // the dead state stays dead
    this.initial = this.state(this.stacks.initial(), 0, 0);
  }

  get stateCount(): number {
    return this.nodes.length;
  }

  private state(nodes: Int32Array, value: number, need: number, len = 0): number {
    if (nodes.length === 0) return DEAD;
    const key = `${nodes.join(",")}|${value}|${need}|${len}`;
    let id = this.keys.get(key);
    if (id !== undefined) return id;
    id = this.nodes.length;
    this.nodes.push(nodes);
    this.partialValue.push(value);
    this.partialNeed.push(need);
    this.partialLen.push(len);
    let cost = Infinity;
    for (const n of nodes) {
      const c = need > 0 ? need + this.stacks.costAfterTop(n) : this.stacks.cost(n);
      if (c < cost) cost = c;
    }
    this.costs.push(cost);
    this.keys.set(key, id);
    this.trans.ensure((id + 1) * 256);
    return id;
  }

  /** Tokens that complete the output from this state (an achievable upper bound on the fewest). */
  cost(s: number): number {
    return this.costs[s]!;
  }

  /** The output so far is a complete match: the empty stack is present and no UTF-8 sequence is pending. */
  isComplete(s: number): boolean {
    return this.partialNeed[s] === 0 && this.nodes[s]![0] === 0;
  }

  /** Complete, and nothing else can follow. */
  isFinal(s: number): boolean {
    const n = this.nodes[s]!;
    return this.partialNeed[s] === 0 && n.length === 1 && n[0] === 0;
  }

  hasTokenTops(s: number): boolean {
    for (const n of this.nodes[s]!) if (this.stacks.isTokenTop(n)) return true;
    return false;
  }

  /** Token ids named by the token elements on top of this state's stacks. */
  tokenTopValues(s: number): Set<number> {
    const out = new Set<number>();
    for (const n of this.nodes[s]!) if (this.stacks.isTokenTop(n)) out.add(this.program.values[this.stacks.top(n)]!);
    return out;
  }

  /** The transition table: entry s * 256 + byte is the next state + 1, or 0 if not computed yet (then call step). */
  get table(): Int32Array {
    return this.trans.data;
  }

  /** The state after one byte (DEAD if the grammar cannot continue with it). */
  step(s: number, byte: number): number {
    const i = s * 256 + byte;
    const t = this.trans.data[i]! - 1;
    if (t >= 0) return t;
    const next = this.computeStep(s, byte);
    this.trans.data[i] = next + 1; // computeStep may grow the table; index after
    return next;
  }

  /** Runs bytes from a state; DEAD as soon as one is refused. */
  run(s: number, bytes: Uint8Array): number {
    for (let k = 0; k < bytes.length && s !== DEAD; k++) s = this.step(s, bytes[k]!);
    return s;
  }

  /** The state after a whole token matched by token elements (`<[id]>`, `!<[id]>`) on top. */
  stepToken(s: number, token: number): number {
    if (this.partialNeed[s] !== 0) return DEAD;
    const out = new Set<number>();
    for (const n of this.nodes[s]!) {
      if (this.stacks.isTokenTop(n) && this.stacks.matchesToken(n, token)) {
        for (const m of this.stacks.expand(this.stacks.afterTop(n))) out.add(m);
      }
    }
    return this.state(Int32Array.from([...out].sort((a, b) => a - b)), 0, 0);
  }

  /** Union of two states' stacks (a token can match both by its bytes and as a token element). */
  union(a: number, b: number): number {
    if (a === DEAD) return b;
    if (b === DEAD || a === b) return a;
    const set = new Set([...this.nodes[a]!, ...this.nodes[b]!]);
    return this.state(Int32Array.from([...set].sort((x, y) => x - y)), this.partialValue[a]!, this.partialNeed[a]!, this.partialLen[a]!);
  }

  private computeStep(s: number, b: number): number {
    const need = this.partialNeed[s]!;
    if (need === 0) {
      if (b < 0x80) return this.advance(s, b);
      if (b >= 0xc2 && b <= 0xdf) return this.partial(s, b & 0x1f, 1, 2);
      if (b >= 0xe0 && b <= 0xef) return this.partial(s, b & 0x0f, 2, 3);
      if (b >= 0xf0 && b <= 0xf4) return this.partial(s, b & 0x07, 3, 4);
      return DEAD;
    }
    if ((b & 0xc0) !== 0x80) return DEAD;
    const value = (this.partialValue[s]! << 6) | (b & 0x3f);
    const len = this.partialLen[s]!;
    if (need > 1) return this.partial(s, value, need - 1, len);
    // Overlong forms, surrogates and values past U+10FFFF decode to U+FFFD, not to this code point.
    if (value < MIN_CODE_POINT[len]! || (value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return DEAD;
    return this.advance(s, value);
  }

  /** A code point completed: every stack whose terminal accepts it moves on. */
  private advance(s: number, cp: number): number {
    const st = this.stacks;
    const p = this.program;
    const out = new Set<number>();
    for (const n of this.nodes[s]!) {
      if (n === 0 || st.isTokenTop(n)) continue;
      if (p.matches(st.top(n), cp)) for (const m of st.expand(st.afterTop(n))) out.add(m);
    }
    return this.state(Int32Array.from([...out].sort((a, b) => a - b)), 0, 0);
  }

  /** A multi-byte sequence is pending: keep the stacks that accept some code point it can still become. */
  private partial(s: number, value: number, need: number, len: number): number {
    const st = this.stacks;
    const lo = Math.max(value << (6 * need), MIN_CODE_POINT[len]!);
    const hi = Math.min((value << (6 * need)) | ((1 << (6 * need)) - 1), 0x10ffff);
    if (lo > hi) return DEAD;
    const keep: number[] = [];
    for (const n of this.nodes[s]!) {
      if (n === 0 || st.isTokenTop(n)) continue;
      if (this.program.intersects(st.top(n), lo, hi)) keep.push(n);
    }
    return this.state(Int32Array.from(keep), value, need, len);
  }
}
