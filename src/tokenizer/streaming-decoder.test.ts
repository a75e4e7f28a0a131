import assert from "node:assert/strict";
import { test } from "node:test";
import { buildVocabMetadata } from "../synth/vocab.js";
import { Tokenizer } from "./tokenizer.js";

const llama3 = Tokenizer.fromMetadata(new Map(buildVocabMetadata("llama3").metadata));
const bytes = Tokenizer.fromMetadata(new Map(buildVocabMetadata("bytes").metadata));

test("an emoji split over byte tokens comes out whole, once complete", () => {
  const ids = bytes.encode("a🦙b", { addSpecial: false }); // ▁ a F0 9F A6 99 b
  const d = bytes.createDecoder();
  const out = ids.map((t) => d.push(t));
  assert.deepEqual(out, [" ", "a", "", "", "", "🦙", "b"]);
  assert.equal(d.flush(), "");
});

test("llama3 tokens that end inside a character are held back", () => {
  const ids = llama3.encode("🇺🇸!", { addSpecial: false });
  assert.ok(ids.length > 2);
  const d = llama3.createDecoder();
  let text = "";
  for (const t of ids) {
    const piece = d.push(t);
    assert.ok(!piece.includes("\uFFFD"), `partial character leaked: ${JSON.stringify(piece)}`);
    text += piece;
  }
  assert.equal(text + d.flush(), "🇺🇸!");
});

test("flush turns a dangling partial sequence into U+FFFD", () => {
  const d = bytes.createDecoder();
  assert.equal(d.push(3 + 0xf0), "");
  assert.equal(d.push(3 + 0x9f), "");
  assert.equal(d.flush(), "\uFFFD");
  assert.equal(d.push(3 + 0x41), "A"); // reusable after flush
});

test("control tokens render only with special", () => {
  const plain = llama3.createDecoder();
  const special = llama3.createDecoder({ special: true });
  assert.equal(plain.push(128009), "");
  assert.equal(special.push(128009), "<|eot_id|>");
});
