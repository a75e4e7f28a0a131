// The GBNF grammar engine: llama.cpp's syntax (literals, classes, groups, repetitions, tokens),
// clear parse errors with line and column, left recursion refused, and the JSON grammar accepting
// valid JSON while rejecting every invalid prefix exactly where it goes wrong.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GrammarError } from "../../src/grammar/errors.js";
import { parseGbnf } from "../../src/grammar/gbnf.js";
import { jsonObjectGbnf, jsonSchemaToGbnf } from "../../src/grammar/json-schema.js";
import { Program } from "../../src/grammar/program.js";
import { createTextMatcher } from "../../src/grammar/text-matcher.js";

const utf8Len = (s: string) => new TextEncoder().encode(s).length;

describe("GBNF syntax", () => {
  test("literals, classes, negation, ranges, any char, groups and alternatives", () => {
    const m = createTextMatcher(String.raw`root ::= "ab" [c-e] [^x] . ("f" | "gh")`);
    for (const ok of ["abcyzf", "abezzgh", "abdé€f"]) assert.ok(m.matches(ok), ok);
    for (const bad of ["abfyzf", "abcxzf", "abcyzg"]) assert.ok(!m.matches(bad), bad);
  });

  test("repetitions * + ? {m} {m,} {m,n}", () => {
    const cases: [string, string[], string[]][] = [
      [`root ::= "a"*`, ["", "a", "aaaa"], ["b"]],
      [`root ::= "a"+`, ["a", "aaa"], [""]],
      [`root ::= "a"? "b"`, ["b", "ab"], ["aab"]],
      [`root ::= "a"{3}`, ["aaa"], ["aa", "aaaa"]],
      [`root ::= "a"{2,}`, ["aa", "aaaaaa"], ["a"]],
      [`root ::= ("ab"){1,3}`, ["ab", "abab", "ababab"], ["", "abababab"]],
      [`root ::= [0-9]{0,2} "x"`, ["x", "1x", "12x"], ["123x"]],
    ];
    for (const [g, good, bad] of cases) {
      const m = createTextMatcher(g);
      for (const s of good) assert.ok(m.matches(s), `${g} should match ${JSON.stringify(s)}`);
      for (const s of bad) assert.ok(!m.matches(s), `${g} should not match ${JSON.stringify(s)}`);
    }
  });

  test("escapes, comments, multi-line rules and nested groups", () => {
    const g = `# a comment\nroot ::= greeting ( "\\n" | "\\x21" | "\\u00e9" ) # trailing comment\ngreeting ::= (\n  "hi" |\n  "yo"\n)\n`;
    const m = createTextMatcher(g);
    for (const ok of ["hi\n", "yo!", "hié"]) assert.ok(m.matches(ok), ok);
    assert.ok(!m.matches("hi?"));
  });

  test("characters outside the BMP and multi-byte ranges are matched as code points", () => {
    const m = createTextMatcher(`root ::= [🦀-🦙]+ [α-ω]`);
    assert.ok(m.matches("🦙🦀λ"));
    assert.ok(!m.matches("🦚λ"));
    // A partial UTF-8 sequence that can still become an accepted character is a viable prefix.
    assert.equal(m.viablePrefix("🦙"), 4);
  });

  test("tokens <[id]> parse into token elements; text tokens need a vocabulary", () => {
    const p = new Program(parseGbnf(`root ::= <[128010]> "x" | !<[5]>`));
    assert.ok(p.hasTokens);
    assert.throws(() => new Program(parseGbnf(`root ::= <|python_tag|> "x"`)), /needs a vocabulary/);
  });

  test("parse errors say what is wrong, with line and column", () => {
    const bad: [string, RegExp][] = [
      [`root ::= "abc`, /Unterminated string literal at line 1/],
      [`root ::= [a-`, /Unterminated character class/],
      [`root := "a"`, /Expected "::=" after rule name "root".* at line 1, column 6/],
      [`root ::= foo`, /Rule "foo" is used but never defined at line 1, column 10/],
      [`item ::= "a"`, /no "root" rule/],
      [`root ::= "a"\nroot ::= "b"`, /Rule "root" is defined twice at line 2, column 1/],
      [`root ::= ("a" | "b"`, /Expected "\)" to close a group/],
      [`root ::= * "a"`, /Expected something before a repetition operator/],
      [`root ::= "a"{3,1}`, /maximum below its minimum/],
      [`root ::= "a"{5000}`, /exceeds the limit of 2000/],
      [`root ::= "\\q"`, /Unknown escape "\\q"/],
      [`root ::= "\\x4"`, /needs 2 hex digits/],
      [`root ::= [z-a]`, /Character range is reversed/],
      [`root ::= "a" )`, /Expected the end of rule "root"/],
      [`root ::= <[12`, /Expected "\]>"/],
      [`root ::= expr\nexpr ::= expr "+" "1" | "1"`, /Left recursion in the grammar: "expr" → "expr"/],
      [`root ::= a\na ::= b "x"\nb ::= "y"? a`, /Left recursion/],
    ];
    for (const [g, re] of bad) {
      assert.throws(
        () => new Program(parseGbnf(g)),
        (e: Error) => e instanceof GrammarError && re.test(e.message),
        `${JSON.stringify(g)} should fail with ${re}`,
      );
    }
  });
});

describe("JSON grammar", () => {
  const json = createTextMatcher(jsonObjectGbnf());
  const anyValue = createTextMatcher(jsonSchemaToGbnf({}));

  test("valid JSON is accepted, and every prefix of it is viable", () => {
    const values: unknown[] = [
      {},
      { a: 1 },
      { a: [1, 2.5, -3, 0, 1e21, -0.25, 12345678901234], b: { c: null, d: [true, false] }, "é ☃ 🦙": "ünï" },
      { s: 'quote " backslash \\ slash / tab \t newline \n control \u0001 del \u007f', empty: "", arr: [] },
      { nested: { deeper: { deepest: [[[{}]]] } } },
      { n: -1.5e-7, big: 9007199254740991 },
    ];
    const texts = values.flatMap((v) => [JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, null, "\t")]);
    texts.push('{ "a" : 1 , "b" :\n  [ 1 , 2 ] }', '{"u":"\\u00e9\\uD83E\\uDD99"}');
    for (const t of texts) {
      assert.ok(json.matches(t), `should accept ${t}`);
      assert.equal(json.viablePrefix(t), utf8Len(t), `every prefix of ${t} is viable`);
    }
    for (const t of ['"text"', "12", "-0.5", "true", "null", "[1,{}]"]) assert.ok(anyValue.matches(t), t);
  });

  test("invalid JSON: every prefix up to the first error is viable, and no longer one is", () => {
    // [text, index of the first character no valid JSON object can have there]
    const cases: [string, number][] = [
      ['{"a":1,}', 7],
      ['{"a" 1}', 5],
      ['{"a":[1,2,,3]}', 10],
      ['{"a":tru}', 8],
      ['{"a":[01]}', 7],
      ['{"a":"b\\q"}', 8],
      ['{"a":"\\u12G4"}', 10],
      ['{"a":[1 2]}', 8],
      ["{'a':1}", 1],
      ['{"a":[1.]}', 8],
      ['{"a":[-]}', 7],
      ['{"a":[1e]}', 8],
      ['{"a":1}}', 7],
      ['{"a":1} ', 7],
      ['{"a":"x\ny"}', 7],
      ['{"a":[nul]}', 9],
      ["[1]", 0],
      ['{"a":1,"b"}', 10],
      ['{"a":{"b":1]}', 11],
    ];
    for (const [t, at] of cases) {
      assert.equal(json.viablePrefix(t), at, `${JSON.stringify(t)} should die at ${at}`);
      assert.ok(!json.matches(t));
    }
  });
});
