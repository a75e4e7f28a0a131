// Grammar stacks as interned linked lists: a node is (position, parent node), node 0 is the empty
// stack (the grammar is complete). Interning makes equal stacks equal integers, so sets of stacks
// can be compared and cached, and each node's expansion (llama.cpp's llama_grammar_advance_stack:
// rule references pushed until a terminal is on top) is computed once.
// Reference: llama.cpp src/llama-grammar.cpp `llama_grammar_advance_stack`, `llama_grammar_accept_chr`.

import { El, type Program } from "./program.js";

export class StackStore {
  /** Top position of each node (-1 for the empty stack). */
  private readonly pos: number[] = [-1];
  private readonly parent: number[] = [-1];
  private readonly ids = new Map<number, number>();
  private readonly expanded: (Int32Array | undefined)[] = [];
  private readonly costs: number[] = [0];

  /** `posCost(pos)`: tokens that finish the alternative from `pos` on (an achievable upper bound). */
  constructor(
    readonly program: Program,
    private readonly posCost: (pos: number) => number,
  ) {}

  get size(): number {
    return this.pos.length;
  }

  top(node: number): number {
    return this.pos[node]!;
  }

  private node(pos: number, parent: number): number {
    const key = parent * this.program.types.length + pos;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.pos.length;
      this.pos.push(pos);
      this.parent.push(parent);
      this.costs.push(this.posCost(pos) + this.costs[parent]!);
      this.ids.set(key, id);
    }
    return id;
  }

  /** Tokens that empty this stack (an upper bound on the fewest). */
  cost(node: number): number {
    return this.costs[node]!;
  }

  /** Cost once the terminal on top has been consumed. */
  costAfterTop(node: number): number {
    const p = this.program;
    const top = this.pos[node]!;
    const after = p.setEnd[top]! >= 0 ? p.setEnd[top]! : top + 1;
    return this.posCost(after) + this.costs[this.parent[node]!]!;
  }

  /** The stacks of the root rule's alternatives, expanded. */
  initial(): Int32Array {
    return this.expandRule(this.program.root, 0);
  }

  private expandRule(rule: number, base: number): Int32Array {
    const out = new Set<number>();
    for (const start of this.program.alternatives(rule)) {
      for (const n of this.expand(this.program.isEnd(start) ? base : this.node(start, base))) out.add(n);
    }
    return Int32Array.from([...out].sort((a, b) => a - b));
  }

  /** All stacks reachable by replacing a rule reference on top with its alternatives, until a terminal (or nothing) is on top. */
  expand(node: number): Int32Array {
    let e = this.expanded[node];
    if (e) return e;
    const top = this.pos[node]!;
    if (node === 0 || this.program.types[top] !== El.RULE_REF) e = Int32Array.of(node);
    else {
      const p = this.program;
      const rest = p.isEnd(top + 1) ? this.parent[node]! : this.node(top + 1, this.parent[node]!);
      e = this.expandRule(p.values[top]!, rest);
    }
    this.expanded[node] = e;
    return e;
  }

  /** The stack after the terminal on top matched (before expansion). */
  afterTop(node: number): number {
    const p = this.program;
    const top = this.pos[node]!;
    const after = p.setEnd[top]! >= 0 ? p.setEnd[top]! : top + 1;
    return p.isEnd(after) ? this.parent[node]! : this.node(after, this.parent[node]!);
  }

  isTokenTop(node: number): boolean {
    const t = this.program.types[this.pos[node]!];
    return node !== 0 && (t === El.TOKEN || t === El.TOKEN_NOT);
  }

  /** Does the token element on top accept `token`? */
  matchesToken(node: number, token: number): boolean {
    const top = this.pos[node]!;
    const same = this.program.values[top] === token;
    return this.program.types[top] === El.TOKEN ? same : !same;
  }
}
