import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { trainBpe } from "./train-bpe.js";
import { TrainedVocabError } from "./trained-vocab.js";
import { loadVocab, saveVocab } from "./vocab-file.js";

const dir = mkdtempSync(join(tmpdir(), "llama-ts-vocab-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const vocab = trainBpe(["the cat sat on the mat, the cat ate the rat; 日本 日本 🦙🦙"], { vocabSize: 540 });

test("save then load gives the same vocabulary, leaving no temporary file", async () => {
  const path = join(dir, "vocab.json");
  await saveVocab(path, vocab);
  assert.deepEqual(await loadVocab(path), vocab);
  assert.deepEqual(readdirSync(dir), ["vocab.json"]);
  await saveVocab(path, trainBpe(["x"], { vocabSize: 512 }));
  assert.equal((await loadVocab(path)).merges.length, 0);
});

test("saving an invalid vocabulary is refused", async () => {
  await assert.rejects(saveVocab(join(dir, "bad.json"), { ...vocab, tokens: vocab.tokens.slice(1) }), TrainedVocabError);
});

test("corrupt or foreign files fail with an error naming the problem", async () => {
  const good = JSON.parse(readFileSync(join(dir, "vocab.json"), "utf8")) as Record<string, unknown>;
  const tokens = vocab.tokens;
  const cases: [string, string | object, RegExp][] = [
    ["truncated", JSON.stringify(good).slice(0, 100), /not valid JSON/],
    ["foreign", { model: { vocab: {} } }, /not a llama-ts vocabulary file/],
    ["version", { ...good, version: 2 }, /unsupported vocabulary file version 2/],
    ["no-merges", { ...good, merges: undefined }, /"merges" must be an array/],
    ["dup", { ...good, tokens: [...tokens.slice(0, 300), tokens[0], ...tokens.slice(301)] }, /token 300 "!" repeats token 0/],
    ["no-byte", { ...good, tokens: ["xy", ...tokens.slice(1)] }, /byte token "!" is missing/],
    ["special", { ...good, tokens: [...tokens.slice(0, -1), "<|oops|>"] }, /must be the special token <\|reserved_special_token_247\|>/],
    ["merge", { ...good, merges: ["q zz"] }, /merge 0 "q zz": "zz" is not a regular token/],
    ["merge-form", { ...good, merges: ["nospace"] }, /merge 0 must be a "left right" string/],
    ["nspecial", { ...good, nSpecial: 3 }, /"nSpecial" must be 256/],
    ["empty", { ...good, tokens: [...tokens.slice(0, 300), "", ...tokens.slice(301)] }, /token 300 must be a non-empty string/],
  ];
  for (const [name, content, want] of cases) {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    await assert.rejects(loadVocab(path), (e: Error) => e instanceof TrainedVocabError && want.test(e.message) && e.message.startsWith(path), name);
  }
  await assert.rejects(loadVocab(join(dir, "missing.json")), /Vocabulary file not found: .*missing\.json/);
});
