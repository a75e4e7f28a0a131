import assert from "node:assert/strict";
import { test } from "node:test";
import { splitLlama3 } from "./pretokenize-llama3.js";
import { FLAG_LETTER, FLAG_NUMBER, FLAG_WHITESPACE, codepointFlags } from "./unicode-flags.js";

test("regex alternatives in llama.cpp's order", () => {
  assert.deepEqual(splitLlama3("Hello world"), ["Hello", " world"]);
  assert.deepEqual(splitLlama3("I'm they'LL it'S"), ["I", "'m", " they", "'LL", " it", "'S"]);
  assert.deepEqual(splitLlama3("1234567"), ["123", "456", "7"]);
  assert.deepEqual(splitLlama3("a  b"), ["a", " ", " b"]);
  assert.deepEqual(splitLlama3("x   "), ["x", "   "]);
  assert.deepEqual(splitLlama3("a \n\n b"), ["a", " \n\n", " b"]);
  assert.deepEqual(splitLlama3(" ?!\n\nx"), [" ?!\n\n", "x"]);
  assert.deepEqual(splitLlama3("\tword"), ["\tword"]);
  assert.deepEqual(splitLlama3(""), []);
});

test("pieces always concatenate back to the input", () => {
  const s = "  code:\tf(x)=x**2 // 12345 'S \r\n\r\n 你好 🦙👍🏽 e\u0301 \u00a0\u3000x";
  assert.equal(splitLlama3(s).join(""), s);
});

test("llama.cpp's Unicode table, not the runtime's", () => {
  assert.equal(codepointFlags(0x41), FLAG_LETTER);
  assert.equal(codepointFlags(0x0663), FLAG_NUMBER); // ARABIC-INDIC DIGIT THREE
  assert.equal(codepointFlags(0x85), FLAG_WHITESPACE); // NEL: whitespace for llama.cpp, not for JS \s
  assert.equal(codepointFlags(0xfeff), 0); // BOM: whitespace for JS \s, not for llama.cpp
  assert.equal(codepointFlags(0x1c89), 0); // a Unicode 16 letter, unassigned in llama.cpp's table
  assert.equal(codepointFlags(0x110000), 0);
  assert.deepEqual(splitLlama3("x\u0085y"), ["x", "\u0085y"]);
});
