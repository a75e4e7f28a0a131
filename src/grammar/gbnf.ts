// GBNF text → rules of grammar elements, llama.cpp's grammar syntax: `name ::= alternatives`,
// "literals", [character classes], `.`, (groups), repetition `* + ? {m} {m,} {m,n}`, `#` comments,
// and tokens `<[id]>` / `<|text|>` (negated with `!`). Repetitions are rewritten into helper rules
// exactly as llama.cpp does, so a rule never needs more than one element of look-back.
// Reference: llama.cpp src/llama-grammar.cpp `llama_grammar_parser`.

import { GrammarError } from "./errors.js";
import { El, type Element, type ParsedGrammar, type TokenRef } from "./program.js";

/** llama.cpp's MAX_REPETITION_THRESHOLD: caps `{m,n}` and the rules one repetition may create. */
const MAX_REPETITION = 2000;

const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_-]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

class Parser {
  private pos = 0;
  readonly ruleIds = new Map<string, number>();
  readonly ruleNames: string[] = [];
  readonly rules: (Element[] | undefined)[] = [];
  /** Where each rule was first referenced, for "undefined rule" errors. */
  private readonly firstUse = new Map<number, number>();
  readonly tokens: TokenRef[] = [];

  constructor(private readonly src: string) {}

  fail(message: string, at = this.pos): never {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < this.src.length; i++) {
      if (this.src[i] === "\n") {
        line++;
        col = 1;
      } else col++;
    }
    throw new GrammarError(`${message} at line ${line}, column ${col}`, line, col);
  }

  symbol(name: string): number {
    let id = this.ruleIds.get(name);
    if (id === undefined) {
      id = this.ruleNames.length;
      this.ruleIds.set(name, id);
      this.ruleNames.push(name);
      this.rules.push(undefined);
    }
    return id;
  }

  private generated(base: string): number {
    // llama.cpp names helper rules base_N; the name only shows in messages.
    let n = this.ruleNames.length;
    while (this.ruleIds.has(`${base}_${n}`)) n++;
    return this.symbol(`${base}_${n}`);
  }

  private space(newlineOk: boolean): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (c === " " || c === "\t") this.pos++;
      else if (c === "#") {
        while (this.pos < s.length && s[this.pos] !== "\n" && s[this.pos] !== "\r") this.pos++;
      } else if (newlineOk && (c === "\n" || c === "\r")) this.pos++;
      else break;
    }
  }

  private name(): string {
    const start = this.pos;
    while (isWordChar(this.src[this.pos])) this.pos++;
    if (this.pos === start) this.fail(`Expected a rule name, found ${this.describeHere()}`);
    return this.src.slice(start, this.pos);
  }

  private describeHere(): string {
    if (this.pos >= this.src.length) return "the end of the grammar";
    const rest = this.src.slice(this.pos, this.pos + 12).split("\n")[0]!;
    return `"${rest}"`;
  }

  private int(): number {
    const start = this.pos;
    while (isDigit(this.src[this.pos])) this.pos++;
    if (this.pos === start) this.fail(`Expected a number, found ${this.describeHere()}`);
    return Number(this.src.slice(start, this.pos));
  }

  /** One character of a literal or class, with escapes; returns its code point. */
  private char(): number {
    const s = this.src;
    if (this.pos >= s.length) this.fail("Unexpected end of grammar inside a literal or character class");
    if (s[this.pos] === "\\") {
      const e = s[this.pos + 1];
      const hex = (n: number) => {
        const digits = s.slice(this.pos + 2, this.pos + 2 + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) this.fail(`Escape "\\${e}" needs ${n} hex digits`);
        this.pos += 2 + n;
        const cp = parseInt(digits, 16);
        if (cp > 0x10ffff) this.fail(`Escape "\\${e}${digits}" is beyond U+10FFFF`);
        return cp;
      };
      const simple: Record<string, number> = { t: 9, r: 13, n: 10, "\\": 92, '"': 34, "[": 91, "]": 93, "-": 45, "^": 94 };
      if (e === "x") return hex(2);
      if (e === "u") return hex(4);
      if (e === "U") return hex(8);
      if (e !== undefined && simple[e] !== undefined) {
        this.pos += 2;
        return simple[e]!;
      }
      this.fail(`Unknown escape "\\${e ?? ""}"`);
    }
    const cp = s.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private token(): TokenRef {
    const s = this.src;
    const start = this.pos; // at "<"
    this.pos++;
    if (s[this.pos] === "[") {
      this.pos++;
      const id = this.int();
      if (s[this.pos] !== "]" || s[this.pos + 1] !== ">") this.fail(`Expected "]>" to close token "<[${id}"`);
      this.pos += 2;
      return { id, text: `<[${id}]>` };
    }
    const close = s.indexOf(">", this.pos);
    if (close < 0) this.fail(`Expected ">" to close the token that starts here`, start);
    this.pos = close + 1;
    return { text: s.slice(start, close + 1) };
  }

  parse(): ParsedGrammar {
    this.space(true);
    while (this.pos < this.src.length) this.rule();
    for (let id = 0; id < this.rules.length; id++) {
      if (this.rules[id] === undefined) {
        this.fail(`Rule "${this.ruleNames[id]}" is used but never defined`, this.firstUse.get(id) ?? 0);
      }
    }
    const root = this.ruleIds.get("root");
    if (root === undefined) throw new GrammarError('The grammar has no "root" rule', 1, 1);
    return { ruleNames: this.ruleNames, rules: this.rules as Element[][], root, tokens: this.tokens };
  }

  private rule(): void {
    const at = this.pos;
    const name = this.name();
    this.space(false);
    if (!this.src.startsWith("::=", this.pos)) this.fail(`Expected "::=" after rule name "${name}", found ${this.describeHere()}`);
    const id = this.symbol(name);
    if (this.rules[id] !== undefined) this.fail(`Rule "${name}" is defined twice`, at);
    this.pos += 3;
    this.space(true);
    this.alternates(name, id, false);
    const c = this.src[this.pos];
    if (c === "\r") this.pos += this.src[this.pos + 1] === "\n" ? 2 : 1;
    else if (c === "\n") this.pos++;
    else if (c !== undefined) this.fail(`Expected the end of rule "${name}", found ${this.describeHere()}`);
    this.space(true);
  }

  private alternates(ruleName: string, id: number, nested: boolean): void {
    const rule: Element[] = [];
    this.sequence(ruleName, rule, nested);
    while (this.src[this.pos] === "|") {
      rule.push([El.ALT, 0]);
      this.pos++;
      this.space(true);
      this.sequence(ruleName, rule, nested);
    }
    rule.push([El.END, 0]);
    this.rules[id] = rule;
  }

  private sequence(ruleName: string, rule: Element[], nested: boolean): void {
    let lastStart = rule.length;
    let prevRules = 1;
    const repeat = (min: number, max: number) => {
      // S{m,n} → S…S (m times) S'(n-m), S'(x) ::= S S'(x-1) |;  S{m,} → S…S S', S' ::= S S' |
      if (lastStart === rule.length) this.fail("Expected something before a repetition operator");
      const unbounded = max === Infinity;
      const total = !unbounded && max > 0 ? max : Math.max(min, 1);
      if (prevRules * total >= MAX_REPETITION) {
        this.fail(`Repetition creates too many rules (limit ${MAX_REPETITION}); use fewer repetitions or a simpler item`);
      }
      const item = rule.slice(lastStart);
      if (min === 0) rule.length = lastStart;
      else for (let i = 1; i < min; i++) rule.push(...item);
      const nOpt = unbounded ? 1 : max - min;
      let lastRec = 0;
      for (let i = 0; i < nOpt; i++) {
        const recId = this.generated(ruleName);
        const rec: Element[] = [...item];
        if (i > 0 || unbounded) rec.push([El.RULE_REF, unbounded ? recId : lastRec]);
        rec.push([El.ALT, 0], [El.END, 0]);
        this.rules[recId] = rec;
        lastRec = recId;
      }
      if (nOpt > 0) rule.push([El.RULE_REF, lastRec]);
      prevRules *= total;
    };

    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (c === '"') {
        this.pos++;
        lastStart = rule.length;
        prevRules = 1;
        while (s[this.pos] !== '"') {
          if (this.pos >= s.length) this.fail("Unterminated string literal");
          rule.push([El.CHAR, this.char()]);
        }
        this.pos++;
        this.space(nested);
      } else if (c === "[") {
        this.pos++;
        let first: El = El.CHAR;
        if (s[this.pos] === "^") {
          this.pos++;
          first = El.CHAR_NOT;
        }
        lastStart = rule.length;
        prevRules = 1;
        if (s[this.pos] === "]") this.fail("Empty character class []");
        while (s[this.pos] !== "]") {
          if (this.pos >= s.length) this.fail("Unterminated character class");
          const lo = this.char();
          rule.push([lastStart < rule.length ? El.CHAR_ALT : first, lo]);
          if (s[this.pos] === "-" && s[this.pos + 1] !== "]") {
            this.pos++;
            if (this.pos >= s.length) this.fail("Unterminated character class");
            const hi = this.char();
            if (hi < lo) this.fail(`Character range is reversed (U+${lo.toString(16)} > U+${hi.toString(16)})`);
            rule.push([El.CHAR_RNG_UPPER, hi]);
          }
        }
        this.pos++;
        this.space(nested);
      } else if (c === "<" || (c === "!" && s[this.pos + 1] === "<")) {
        const negate = c === "!";
        if (negate) this.pos++;
        const ref = this.token();
        lastStart = rule.length;
        prevRules = 1;
        rule.push([negate ? El.TOKEN_NOT : El.TOKEN, this.tokens.length]);
        this.tokens.push(ref);
        this.space(nested);
      } else if (isWordChar(c)) {
        const at = this.pos;
        const id = this.symbol(this.name());
        if (!this.firstUse.has(id)) this.firstUse.set(id, at);
        this.space(nested);
        lastStart = rule.length;
        prevRules = 1;
        rule.push([El.RULE_REF, id]);
      } else if (c === "(") {
        this.pos++;
        this.space(true);
        const before = this.ruleNames.length;
        const sub = this.generated(ruleName);
        this.alternates(ruleName, sub, true);
        prevRules = Math.max(1, this.ruleNames.length - before);
        lastStart = rule.length;
        rule.push([El.RULE_REF, sub]);
        if (s[this.pos] !== ")") this.fail(`Expected ")" to close a group, found ${this.describeHere()}`);
        this.pos++;
        this.space(nested);
      } else if (c === ".") {
        this.pos++;
        lastStart = rule.length;
        prevRules = 1;
        rule.push([El.CHAR_ANY, 0]);
        this.space(nested);
      } else if (c === "*" || c === "+" || c === "?") {
        this.pos++;
        this.space(nested);
        repeat(c === "+" ? 1 : 0, c === "?" ? 1 : Infinity);
      } else if (c === "{") {
        this.pos++;
        this.space(nested);
        const min = this.int();
        this.space(nested);
        let max = min;
        if (s[this.pos] === ",") {
          this.pos++;
          this.space(nested);
          max = isDigit(s[this.pos]) ? this.int() : Infinity;
          this.space(nested);
        }
        if (s[this.pos] !== "}") this.fail(`Expected "}" to close a repetition, found ${this.describeHere()}`);
        this.pos++;
        this.space(nested);
        if (min > MAX_REPETITION) this.fail(`Repetition count ${min} exceeds the limit of ${MAX_REPETITION}`);
        if (max < min) this.fail(`Repetition {${min},${max}} has its maximum below its minimum`);
        if (max !== Infinity && max > MAX_REPETITION) max = Infinity;
        repeat(min, max);
      } else break;
    }
  }
}

/** Parses GBNF text; throws GrammarError (with line and column) on any syntax error. */
export function parseGbnf(src: string): ParsedGrammar {
  if (typeof src !== "string") throw new TypeError(`A GBNF grammar must be a string, got ${typeof src}`);
  return new Parser(src).parse();
}
