// JSON Schema → grammar, feature by feature: texts the grammar accepts must validate (ajv, plus
// RFC 3339 / UUID checks for formats), canonical valid texts must be accepted, random texts drawn
// from the grammar (with a byte budget) must all validate, and unsupported keywords are errors.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Ajv2020 as Ajv } from "ajv/dist/2020.js";
import { UnsupportedError } from "../../src/errors.js";
import { DEAD, GrammarDfa } from "../../src/grammar/dfa.js";
import { GrammarError } from "../../src/grammar/errors.js";
import { parseGbnf } from "../../src/grammar/gbnf.js";
import { jsonSchemaToGbnf } from "../../src/grammar/json-schema.js";
import { Program } from "../../src/grammar/program.js";
import { createTextMatcher } from "../../src/grammar/text-matcher.js";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
function validDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return days !== undefined && d >= 1 && d <= days;
}
const TIME = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const ajv = new Ajv({ strict: false });
ajv.addFormat("date", validDate);
ajv.addFormat("time", (s: string) => TIME.test(s));
ajv.addFormat("date-time", (s: string) => {
  const i = s.indexOf("T");
  return i > 0 && validDate(s.slice(0, i)) && TIME.test(s.slice(i + 1));
});
ajv.addFormat("uuid", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

/** Random texts from a grammar: a byte-level walk that keeps the remaining cost within `budget`. */
function sample(gbnf: string, seed: number, budget: number): string {
  const p = new Program(parseGbnf(gbnf));
  const dfa = new GrammarDfa(p, (pos) => p.seqCost[pos]!);
  let s = dfa.initial;
  let rng = seed;
  const rand = () => ((rng = (rng * 48271) % 2147483647) / 2147483647);
  const out: number[] = [];
  for (let left = budget; ; left--) {
    if (dfa.isFinal(s) || (dfa.isComplete(s) && (left <= 0 || rand() < 0.05))) break;
    const options: number[] = [];
    for (let b = 0; b < 256; b++) {
      const n = dfa.step(s, b);
      if (n !== DEAD && dfa.cost(n) <= left - 1) options.push(b);
    }
    if (options.length === 0) throw new Error(`no byte fits at ${JSON.stringify(new TextDecoder().decode(Uint8Array.from(out)))}`);
    // Prefer printable ASCII so texts stay readable, but exercise everything.
    const printable = options.filter((b) => b >= 0x20 && b < 0x7f);
    const pool = printable.length > 0 && rand() < 0.9 ? printable : options;
    const b = pool[Math.floor(rand() * pool.length)]!;
    out.push(b);
    s = dfa.step(s, b);
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(out));
}

function check(schema: object, accept: string[], reject: string[] = [], samples = 25): void {
  const gbnf = jsonSchemaToGbnf(schema);
  const m = createTextMatcher(gbnf);
  const validate = ajv.compile(schema);
  const valid = (t: string) => {
    try {
      return validate(JSON.parse(t)) as boolean;
    } catch {
      return false;
    }
  };
  for (const t of accept) {
    assert.ok(valid(t), `test case ${t} should be valid`);
    assert.ok(m.matches(t), `grammar should accept ${t}\n${gbnf}`);
  }
  for (const t of reject) assert.ok(!m.matches(t), `grammar should reject ${t}`);
  const p = new Program(parseGbnf(gbnf));
  const dfa = new GrammarDfa(p, (pos) => p.seqCost[pos]!);
  const initialCost = dfa.cost(dfa.initial);
  for (let seed = 1; seed <= samples; seed++) {
    const text = sample(gbnf, seed * 7919, initialCost + (seed % 5) * 15);
    assert.ok(valid(text), `sampled ${JSON.stringify(text)} does not validate: ${ajv.errorsText(validate.errors)}`);
  }
}

describe("JSON schema compiler: features", () => {
  test("objects: required, optional, additionalProperties false, declared order", () => {
    check(
      { type: "object", properties: { a: { type: "integer" }, b: { type: "string" }, c: { type: "boolean" } }, required: ["b"], additionalProperties: false },
      ['{"b":"x"}', '{"a":1,"b":"x"}', '{"b":"x","c":true}', '{"a":-2,"b":"","c":false}', '{ "a" : 1 , "b" : "y" }'],
      ["{}", '{"a":1}', '{"b":"x","d":1}', '{"c":true,"b":"x"}'],
    );
  });

  test("objects without required properties, and additionalProperties with a schema", () => {
    check({ type: "object", properties: { x: { type: "number" }, y: { type: "null" } } }, ["{}", '{"x":1.5}', '{"y":null}', '{"x":0,"y":null}'], ['{"z":1}']);
    check(
      { type: "object", properties: { id: { type: "integer" } }, required: ["id"], additionalProperties: { type: "string" } },
      ['{"id":1}', '{"id":1,"note":"a","n2":"b"}', '{"id":1,"i":"x"}', '{"id":1,"idx":"x"}'],
      ['{"id":1,"note":2}', '{"id":1,"id":"x"}'],
    );
  });

  test("arrays: items, minItems, maxItems, prefixItems", () => {
    check({ type: "array", items: { type: "integer" }, minItems: 2, maxItems: 4 }, ["[1,2]", "[1, 2, 3, 4]"], ["[]", "[1]", "[1,2,3,4,5]", '[1,"a"]']);
    check({ type: "array", items: { type: "string" }, maxItems: 0 }, ["[]"], ['["a"]']);
    check({ type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false }, ['["a",1]'], ['["a",1,2]', '[1,"a"]']);
    check({ type: "array" }, ["[]", '[1,"a",{"b":null}]']);
  });

  test("enum and const keep their JSON values exactly", () => {
    check({ enum: ["red", "green", 3, null, true, { a: [1] }] }, ['"red"', '"green"', "3", "null", "true", '{"a":[1]}'], ['"blue"', "4", "false"]);
    check({ const: "fixed" }, ['"fixed"'], ['"other"']);
    check({ type: "string", enum: ["a", 1] }, ['"a"'], ["1"]);
  });

  test("strings: minLength and maxLength count characters (escapes included)", () => {
    check({ type: "string", minLength: 2, maxLength: 4 }, ['"ab"', '"abcd"', '"é☃🦙"', '"\\n\\t"'], ['"a"', '"abcde"']);
  });

  test("string formats: date (month lengths, leap years), time, date-time, uuid", () => {
    check({ type: "string", format: "date" }, ['"2024-02-29"', '"2000-02-29"', '"2023-12-31"', '"1999-04-30"'], ['"2023-02-29"', '"1900-02-29"', '"2023-04-31"', '"2023-13-01"', '"2023-00-10"']);
    check({ type: "string", format: "time" }, ['"23:59:59Z"', '"00:00:00.123+05:30"'], ['"24:00:00Z"', '"12:60:00Z"', '"12:00:00"']);
    check({ type: "string", format: "date-time" }, ['"2025-01-02T03:04:05Z"'], ['"2025-01-02 03:04:05Z"']);
    check({ type: "string", format: "uuid" }, ['"123e4567-e89b-12d3-a456-426614174000"'], ['"123e4567e89b12d3a456426614174000"']);
  });

  test("integers within bounds, exhaustively over a window", () => {
    const ranges: [object, number, number][] = [
      [{ minimum: 0, maximum: 150 }, 0, 150],
      [{ minimum: -50, maximum: -3 }, -50, -3],
      [{ minimum: 7, maximum: 7 }, 7, 7],
      [{ minimum: -12, maximum: 345 }, -12, 345],
      [{ minimum: 95, maximum: 1005 }, 95, 1005],
      [{ exclusiveMinimum: -3, exclusiveMaximum: 20 }, -2, 19],
      [{ minimum: 2.5, maximum: 9.9 }, 3, 9],
      [{ minimum: 990 }, 990, Infinity],
      [{ maximum: -7 }, -Infinity, -7],
    ];
    for (const [bounds, lo, hi] of ranges) {
      const m = createTextMatcher(jsonSchemaToGbnf({ type: "integer", ...bounds }));
      for (let i = -1100; i <= 1100; i++) assert.equal(m.matches(String(i)), i >= lo && i <= hi, `${JSON.stringify(bounds)} on ${i}`);
      assert.ok(!m.matches("007") && !m.matches("-0"));
    }
    check({ type: "integer", minimum: -40, maximum: 40 }, ["-40", "0", "40"]);
  });

  test("numbers within integer bounds, inclusive and exclusive", () => {
    const cases: [object, (x: number) => boolean][] = [
      [{ minimum: 0, maximum: 1 }, (x) => x >= 0 && x <= 1],
      [{ exclusiveMinimum: -5, maximum: 10 }, (x) => x > -5 && x <= 10],
      [{ minimum: -2, exclusiveMaximum: 2 }, (x) => x >= -2 && x < 2],
      [{ exclusiveMinimum: 0 }, (x) => x > 0],
      [{ maximum: -1 }, (x) => x <= -1],
    ];
    for (const [bounds, ok] of cases) {
      const m = createTextMatcher(jsonSchemaToGbnf({ type: "number", ...bounds }));
      for (let k = -28; k <= 48; k++) {
        const x = k / 4;
        for (const text of [String(x), x.toFixed(2), x.toFixed(3)]) assert.equal(m.matches(text), ok(Number(text)), `${JSON.stringify(bounds)} on ${text}`);
      }
      check({ type: "number", ...bounds }, [], [], 10);
    }
  });

  test("$ref and $defs, recursive", () => {
    const tree = {
      $defs: { node: { type: "object", properties: { v: { type: "integer" }, kids: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 2 } }, required: ["v", "kids"], additionalProperties: false } },
      $ref: "#/$defs/node",
    };
    check(tree, ['{"v":1,"kids":[]}', '{"v":1,"kids":[{"v":2,"kids":[]}]}'], ['{"v":1}']);
    check({ definitions: { s: { type: "string" } }, type: "object", properties: { a: { $ref: "#/definitions/s" } }, required: ["a"] }, ['{"a":"x"}']);
  });

  test("anyOf, oneOf and type lists", () => {
    check({ anyOf: [{ type: "integer" }, { type: "object", properties: { k: { const: 1 } }, required: ["k"] }] }, ["5", '{"k":1}'], ['"s"']);
    check({ oneOf: [{ type: "string", maxLength: 2 }, { type: "boolean" }] }, ['"ab"', "false"], ['"abc"', "1"]);
    check({ type: ["string", "null"] }, ['"x"', "null"], ["1"]);
  });

  test("empty schemas match any JSON value", () => {
    check({}, ['"x"', "1", "null", "[1]", '{"a":{}}']);
    check({ description: "anything" }, ["true"]);
  });
});

describe("JSON schema compiler: unsupported and invalid schemas are errors", () => {
  test("keywords that would not be enforced are refused, naming the keyword and where", () => {
    const unsupported: [object, RegExp][] = [
      [{ type: "string", pattern: "^a+$" }, /"pattern" at "#"/],
      [{ type: "object", properties: { n: { type: "number", multipleOf: 3 } } }, /"multipleOf" at "#\/properties\/n"/],
      [{ type: "array", uniqueItems: true }, /"uniqueItems"/],
      [{ type: "object", minProperties: 1 }, /"minProperties"/],
      [{ not: { type: "string" } }, /"not"/],
      [{ if: {}, then: {} }, /"if"/],
      [{ type: "object", patternProperties: { "^x": {} } }, /"patternProperties"/],
      [{ type: "string", format: "email" }, /"format".*"email"/],
      [{ $ref: "https://example.com/s.json" }, /"\$ref".*only local references/],
      [{ allOf: [{ type: "string" }, { minLength: 1 }] }, /"allOf"/],
      [{ type: "number", minimum: 0.5 }, /"minimum".*fractional bound/],
      [{ type: "string", maxLength: 5000 }, /"maxLength" .* above 2000/],
      [{ anyOf: [{ type: "string" }], type: "string" }, /"type" .* together with "anyOf"/],
    ];
    for (const [schema, re] of unsupported) {
      assert.throws(() => jsonSchemaToGbnf(schema), (e: Error) => e instanceof UnsupportedError && re.test(e.message), JSON.stringify(schema));
    }
  });

  test("malformed schemas are GrammarErrors", () => {
    const invalid: [unknown, RegExp][] = [
      [{ type: "foo" }, /unknown type "foo"/],
      [{ enum: [] }, /"enum" must be a non-empty array/],
      [{ type: "array", minItems: -1 }, /"minItems" must be a non-negative integer/],
      [{ type: "array", minItems: 3, maxItems: 1 }, /maxItems 1 is below minItems 3/],
      [{ type: "integer", minimum: 5, maximum: 4 }, /no integer lies within the bounds/],
      [{ $ref: "#/$defs/missing" }, /points to nothing/],
      [false, /matches nothing/],
      ["string", /expected an object or a boolean/],
    ];
    for (const [schema, re] of invalid) {
      assert.throws(() => jsonSchemaToGbnf(schema), (e: Error) => e instanceof GrammarError && re.test(e.message), JSON.stringify(schema));
    }
  });
});
