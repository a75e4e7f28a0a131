// Token masks over real vocabularies: the trie walk gives exactly what running every token alone
// gives, end-of-generation only when the output is complete, control tokens only through token
// elements, and budget steering that always closes the output within the tokens left.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createConstraint } from "../../src/chat/index.js";
import { DEAD } from "../../src/grammar/dfa.js";
import { GrammarConstraint, grammarEngine, rowCost, type GrammarEngine } from "../../src/grammar/grammar-constraint.js";
import { jsonSchemaToGbnf } from "../../src/grammar/json-schema.js";
import { buildVocabMetadata } from "../../src/synth/vocab.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";

let llama3: Tokenizer;
let bytes: Tokenizer;
const SCHEMA = {
  type: "object",
  properties: { name: { type: "string", maxLength: 8 }, n: { type: "integer", minimum: 0, maximum: 99 }, tags: { type: "array", items: { enum: ["x", "y"] }, maxItems: 2 } },
  required: ["name", "n", "tags"],
  additionalProperties: false,
};

before(() => {
  llama3 = Tokenizer.fromMetadata(new Map(buildVocabMetadata("llama3").metadata));
  bytes = Tokenizer.fromMetadata(new Map(buildVocabMetadata("bytes").metadata));
});

/** Walks a state forward along `text`'s tokens. */
function stateAfter(engine: GrammarEngine, tok: Tokenizer, text: string): number {
  let s = engine.dfa.initial;
  for (const t of tok.encode(text, { addSpecial: false })) s = engine.next(s, t);
  return s;
}

describe("grammar masks", () => {
  test("the trie walk equals running every token on its own (llama3 vocabulary, 128256 tokens)", () => {
    const engine = grammarEngine(llama3, jsonSchemaToGbnf(SCHEMA));
    for (const prefix of ["", '{"name": "ab', '{"name":"x", "n": 4', '{"name":"x","n":4,"tags":["x"']) {
      const s = stateAfter(engine, llama3, prefix);
      assert.notEqual(s, DEAD, prefix);
      const row = engine.row(s);
      let allowed = 0;
      for (let t = 0; t < llama3.nVocab; t++) {
        const next = llama3.eogTokens.has(t) ? (engine.dfa.isComplete(s) ? s : DEAD) : engine.next(s, t);
        const expected = next === DEAD ? 0xffff : Math.min(engine.dfa.cost(next), 0xfffe);
        const cost = rowCost(row, t);
        const got = llama3.eogTokens.has(t) ? (cost === 0xffff ? 0xffff : engine.dfa.cost(s)) : cost;
        if (got !== expected) assert.fail(`after ${JSON.stringify(prefix)}: token ${t} ${JSON.stringify(llama3.decode([t]))} row ${cost} expected ${expected}`);
        if (expected !== 0xffff) allowed++;
      }
      assert.ok(allowed > 0);
      assert.equal(row.dense === undefined, allowed * 3 < llama3.nVocab, "few allowed tokens are stored sparsely");
    }
  });

  test("end-of-generation is allowed only when the output is complete; control tokens never as text", () => {
    const c = createConstraint(llama3, { type: "grammar", gbnf: `root ::= "ok" ("!")?` });
    const logits = new Float32Array(llama3.nVocab);
    c.mask(logits);
    assert.equal(logits[128009], -Infinity); // <|eot_id|>
    for (const t of llama3.encode("ok", { addSpecial: false })) c.accept(t);
    assert.ok(c.isComplete() && !c.mustEnd?.());
    logits.fill(0);
    c.mask(logits);
    assert.equal(logits[128009], 0);
    assert.equal(logits[128006], -Infinity); // <|start_header_id|>
    c.accept(llama3.encode("!", { addSpecial: false })[0]!);
    assert.ok(c.mustEnd?.());
    assert.throws(() => createConstraint(llama3, { type: "grammar", gbnf: `root ::= "a"` }).accept(128009), /before the output is complete/);
    assert.throws(() => createConstraint(llama3, { type: "grammar", gbnf: `root ::= "a"` }).accept(llama3.encode("b", { addSpecial: false })[0]!), /not allowed by the grammar/);
    assert.throws(() => createConstraint(llama3, { type: "grammar", gbnf: `root ::= "a" root` }), /no finite complete output/);
    assert.throws(() => createConstraint(llama3, { type: "grammar", gbnf: String.raw`root ::= [^\x00-\U0010FFFF]` }), /no finite complete output/);
  });

  test("token elements match control tokens whole: <|python_tag|> and <[id]>", () => {
    const c = createConstraint(llama3, { type: "grammar", gbnf: `root ::= <|python_tag|> "x" | <[128011]>` });
    const logits = new Float32Array(llama3.nVocab);
    c.mask(logits);
    const allowed = [...logits.keys()].filter((t) => logits[t] === 0);
    assert.deepEqual(allowed, [128010, 128011]);
    c.accept(128010);
    assert.ok(!c.isComplete());
  });

  test("a token that ends inside a UTF-8 character is allowed only if the character can still match", () => {
    const c = createConstraint(bytes, { type: "grammar", gbnf: `root ::= "é" | "€"` });
    const logits = new Float32Array(bytes.nVocab);
    c.mask(logits);
    // Byte tokens <0xC3> (é's lead) and <0xE2> (€'s lead) are allowed; <0xC4> is not.
    const byteToken = (b: number) => 3 + b;
    assert.equal(logits[byteToken(0xc3)], 0);
    assert.equal(logits[byteToken(0xe2)], 0);
    assert.equal(logits[byteToken(0xc4)], -Infinity);
    assert.equal(logits[byteToken(0x65)], -Infinity);
  });

  test("budget steering: any sampling closes a valid output within the tokens left", () => {
    const engine = grammarEngine(llama3, jsonSchemaToGbnf(SCHEMA));
    const logits = new Float32Array(llama3.nVocab);
    let rng = 12345;
    const rand = () => ((rng = (rng * 48271) % 2147483647) / 2147483647);
    for (let run = 0; run < 12; run++) {
      const c = new GrammarConstraint(engine);
      const min = c.minTokensToComplete();
      assert.ok(min > 5 && min < 40, `min ${min}`);
      const budget = min + (run % 4) * 3;
      const ids: number[] = [];
      for (let left = budget; left > 0 && !c.mustEnd(); left--) {
        for (let t = 0; t < logits.length; t++) logits[t] = rand() * 8;
        c.mask(logits, left);
        let best = 0;
        for (let t = 1; t < logits.length; t++) if (logits[t]! > logits[best]!) best = t;
        if (llama3.eogTokens.has(best)) break;
        c.accept(best);
        ids.push(best);
      }
      const text = llama3.decode(ids);
      assert.ok(c.isComplete(), `run ${run} (budget ${budget}) ended incomplete: ${text}`);
      const v = JSON.parse(text) as { name: string; n: number; tags: string[] };
      assert.ok(v.name.length <= 8 && v.n >= 0 && v.n <= 99 && v.tags.length <= 2, text);
      assert.ok(ids.length <= budget);
    }
  });
});
