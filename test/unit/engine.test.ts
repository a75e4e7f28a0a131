// End-to-end engine behaviour on a small generated model: batched and incremental evaluation
// agree, prefix reuse is exact, sampling is reproducible, and every limit is an explicit error.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel, type LlamaModel } from "../../src/model/model.js";
import { synthesizeModel } from "../../src/synth/synth.js";
import { AbortError, ContextOverflowError } from "../../src/errors.js";

let model: LlamaModel;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "llama-ts-engine-"));
  const path = join(dir, "tiny.gguf");
  await synthesizeModel(path, { preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 3, outputGain: 4, shape: { ropeScaling: true } });
  model = await loadModel(path);
});

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("forward pass", () => {
  test("a batched prompt gives the same logits as feeding tokens one at a time", () => {
    const tokens = [1, 72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100];
    const batched = model.logits(tokens, { all: true });
    const ctx = model.createContext({ nCtx: 64 });
    for (let i = 0; i < tokens.length; i++) {
      const row = i === 0 ? ctx.prefill([tokens[0]!]).logits : ctx.append([tokens[i]!]);
      assert.ok(maxDiff(row, batched[i]!) < 1e-4, `position ${i} differs by ${maxDiff(row, batched[i]!)}`);
    }
  });

  test("the last row of --all equals the last-position logits", () => {
    const tokens = [1, 50, 60, 70];
    const all = model.logits(tokens, { all: true });
    const [last] = model.logits(tokens);
    assert.equal(maxDiff(all[3]!, last!), 0);
  });

  test("prefix reuse evaluates only the new suffix and gives identical logits", () => {
    const ctx = model.createContext({ nCtx: 64 });
    const a = [1, 10, 20, 30, 40];
    const b = [...a, 50, 60];
    ctx.prefill(a);
    const { logits, reused } = ctx.prefill(b);
    assert.equal(reused, a.length);
    const [fresh] = model.logits(b);
    assert.equal(maxDiff(logits, fresh!), 0);
  });

  test("several sequences in one pass give the same logits as each alone", () => {
    const a = [1, 5, 6, 7, 8, 9];
    const b = [1, 100, 120];
    const ctxA = model.createContext({ nCtx: 32 });
    const ctxB = model.createContext({ nCtx: 32 });
    const [la, lb] = model.forwardPass.forwardMany([
      { cache: ctxA.cache, tokens: a, pos0: 0, wanted: "all" },
      { cache: ctxB.cache, tokens: b, pos0: 0, wanted: "last" },
    ]);
    const aloneA = model.logits(a, { all: true });
    const [aloneB] = model.logits(b);
    for (let i = 0; i < a.length; i++) assert.equal(maxDiff(la!.subarray(i * model.config.nVocab, (i + 1) * model.config.nVocab), aloneA[i]!), 0);
    assert.equal(maxDiff(lb!, aloneB!), 0);
    // Then one decode step for both sequences together, each at its own position.
    const [na, nb] = model.forwardPass.forwardMany([
      { cache: ctxA.cache, tokens: [42], pos0: a.length, wanted: "last" },
      { cache: ctxB.cache, tokens: [43], pos0: b.length, wanted: "last" },
    ]);
    assert.equal(maxDiff(na!, model.logits([...a, 42])[0]!), 0);
    assert.equal(maxDiff(nb!, model.logits([...b, 43])[0]!), 0);
  });

  test("a decode step of many sequences shares one output projection and matches each alone", () => {
    // Nine sequences (two four-token tiles and a leftover row in the output product), one of
    // which wants no logits, at different positions.
    const prompts = Array.from({ length: 9 }, (_, i) => [1, 10 + i, 20 + 2 * i, ...Array(i % 3).fill(7)]);
    const ctxs = prompts.map(() => model.createContext({ nCtx: 32 }));
    model.forwardPass.forwardMany(prompts.map((p, i) => ({ cache: ctxs[i]!.cache, tokens: p, pos0: 0, wanted: "none" })));
    const out = model.forwardPass.forwardMany(
      prompts.map((p, i) => ({ cache: ctxs[i]!.cache, tokens: [30 + i], pos0: p.length, wanted: i === 4 ? "none" : "last" })),
    );
    prompts.forEach((p, i) => {
      if (i === 4) return assert.equal(out[i]!.length, 0);
      assert.equal(maxDiff(out[i]!, model.logits([...p, 30 + i])[0]!), 0, `sequence ${i}`);
    });
  });

  test("token ids outside the vocabulary are rejected", () => {
    assert.throws(() => model.logits([1, model.config.nVocab]), /out of range/);
  });
});

describe("generation", () => {
  test("greedy generation is deterministic and reports timings", async () => {
    const a = await model.complete("Hello", { temperature: 0, maxTokens: 8, ignoreEog: true });
    const b = await model.complete("Hello", { temperature: 0, maxTokens: 8, ignoreEog: true });
    assert.equal(a.tokens.length, 8);
    assert.deepEqual(a.tokens, b.tokens);
    assert.equal(a.finishReason, "length");
    assert.ok(a.timings.generatedTokensPerSecond > 0);
    assert.equal(a.timings.promptTokens, model.tokenizer.encode("Hello").length);
  });

  test("the same seed gives the same sampled text; another seed usually differs", async () => {
    const opts = { temperature: 1.5, topK: 0, topP: 1, minP: 0, maxTokens: 12, ignoreEog: true };
    const a = await model.complete("Hi", { ...opts, seed: 1 });
    const b = await model.complete("Hi", { ...opts, seed: 1 });
    const c = await model.complete("Hi", { ...opts, seed: 2 });
    assert.deepEqual(a.tokens, b.tokens);
    assert.equal(a.seed, 1);
    assert.notDeepEqual(a.tokens, c.tokens);
  });

  test("streamed pieces concatenate to the final text", async () => {
    const it = model.generate("abc", { temperature: 0.8, seed: 5, maxTokens: 10, ignoreEog: true });
    let streamed = "";
    let r = await it.next();
    while (!r.done) {
      streamed += r.value.text;
      assert.ok(r.value.logprob <= 0);
      r = await it.next();
    }
    assert.equal(streamed, r.value.text);
  });

  test("a stop string ends generation and is not returned", async () => {
    const free = await model.complete("x", { temperature: 0, maxTokens: 12, ignoreEog: true });
    const stop = free.text.slice(3, 5);
    if (stop.length < 2) return; // degenerate continuation: nothing to stop on
    const r = await model.complete("x", { temperature: 0, maxTokens: 12, ignoreEog: true, stop: [stop] });
    assert.equal(r.stoppedBy, "stop-string");
    assert.equal(r.text, free.text.slice(0, free.text.indexOf(stop)));
  });

  test("a prompt plus maxTokens beyond the context is a ContextOverflowError, never truncation", async () => {
    await assert.rejects(model.complete("hello world", { maxTokens: 10, nCtx: 12 }), ContextOverflowError);
    await assert.rejects(model.complete("a".repeat(40), { maxTokens: 1, nCtx: 16 }), ContextOverflowError);
  });

  test("without maxTokens generation stops when the context is full and says so", async () => {
    const r = await model.complete("ab", { temperature: 0, nCtx: 10, ignoreEog: true });
    assert.equal(r.stoppedBy, "context-full");
    assert.equal(r.timings.promptTokens + r.tokens.length, 10);
  });

  test("an AbortSignal stops generation with an AbortError", async () => {
    const controller = new AbortController();
    const it = model.generate("abc", { maxTokens: 50, ignoreEog: true, signal: controller.signal });
    await it.next();
    controller.abort();
    await assert.rejects(it.next(), AbortError);
  });
});
