// The fixed GBNF rules JSON grammars are built from (whitespace, strings, numbers, any value,
// formats) and GBNF text helpers. Whitespace is llama.cpp's SPACE_RULE; numbers cap their digit
// counts (and exponents at two digits) so every generated number parses to a finite double.
// Reference: llama.cpp common/json-schema-to-grammar.cpp PRIMITIVE_RULES / STRING_FORMAT_RULES.

export const PRIMITIVES: Record<string, string> = {
  ws: `| " " | "\\n"{1,2} [ \\t]{0,20}`,
  char: `[^"\\\\\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})`,
  string: `"\\"" char* "\\""`,
  integer: `"-"? ("0" | [1-9] [0-9]{0,15})`,
  number: `"-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?`,
  boolean: `"true" | "false"`,
  null: `"null"`,
  value: `object | array | string | number | boolean | null`,
  object: `"{" ws (string ws ":" ws value (ws "," ws string ws ":" ws value)* ws)? "}"`,
  array: `"[" ws (value (ws "," ws value)* ws)? "]"`,
};

/** String formats (without the quotes). Dates respect month lengths and leap years, as ajv-formats checks them. */
export const FORMATS: Record<string, string> = {
  date: `[0-9]{4} "-" date-md | date-leap "-02-29"`,
  "date-md": `("01" | "03" | "05" | "07" | "08" | "10" | "12") "-" date-d31 | ("04" | "06" | "09" | "11") "-" date-d30 | "02-" date-d28`,
  "date-d28": `"0" [1-9] | "1" [0-9] | "2" [0-8]`,
  "date-d30": `date-d28 | "29" | "30"`,
  "date-d31": `date-d30 | "31"`,
  // Leap years: divisible by 4 and not by 100, or divisible by 400.
  "date-leap": `[0-9] [0-9] date-m4 | ("0" [048] | [2468] [048] | [13579] [26]) "00"`,
  "date-m4": `"0" [48] | [2468] [048] | [13579] [26]`,
  time: `([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{1,6})? ("Z" | [+-] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])`,
  "date-time": `date "T" time`,
  uuid: `[0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12}`,
};

/** A GBNF string literal matching `text` exactly. */
export function gbnfLiteral(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** A code point written safely inside a GBNF character class. */
export function classChar(cp: number): string {
  return cp > 0xffff ? "\\U" + cp.toString(16).padStart(8, "0") : "\\u" + cp.toString(16).padStart(4, "0");
}

/**
 * Rules for a JSON object key that is none of `keys` (additionalProperties): a trie over the
 * excluded keys, leaving it as soon as the key differs. Extra keys are plain characters (no escape
 * sequences), so an escape cannot spell a declared key.
 */
export function notKeysRules(
  keys: string[],
  hint: string,
  rule: (name: string, body: string) => string,
  prim: (name: string) => string,
): string {
  prim("char");
  const plain = `[^"\\\\\\x00-\\x1F]`;
  interface Node {
    children: Map<number, Node>;
    end: boolean;
  }
  const root: Node = { children: new Map(), end: false };
  for (const k of keys) {
    if (JSON.stringify(k) !== `"${k}"`) continue; // needs escapes: an extra key cannot equal it
    let n = root;
    for (const ch of k) {
      const cp = ch.codePointAt(0)!;
      let c = n.children.get(cp);
      if (!c) n.children.set(cp, (c = { children: new Map(), end: false }));
      n = c;
    }
    n.end = true;
  }
  const anyRest = rule(`${hint}-rest`, `${plain}* "\\""`);
  let count = 0;
  const build = (n: Node): string => {
    const alts: string[] = [];
    const excluded = [...n.children.keys()].map(classChar).join("");
    alts.push(`[^"\\\\\\x00-\\x1F${excluded}] ${anyRest}`);
    for (const [cp, child] of n.children) alts.push(`${gbnfLiteral(String.fromCodePoint(cp))} ${build(child)}`);
    if (!n.end) alts.push(`"\\""`);
    return rule(`${hint}-${count++}`, alts.join(" | "));
  };
  return rule(hint, `"\\"" ${build(root)}`);
}
