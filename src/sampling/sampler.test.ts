import assert from "node:assert/strict";
import { test } from "node:test";
import { UnsupportedError } from "../errors.js";
import { DEFAULT_SAMPLING, logSoftmaxAt, Sampler, type SamplingParams, topLogprobs } from "./index.js";
import { logSumExp } from "./logprobs.js";

const NO_FILTERS: SamplingParams = { temperature: 1, topK: 0, topP: 1, minP: 0 };

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

function draws(sampler: Sampler, logits: Float32Array, n: number): number[] {
  return Array.from({ length: n }, () => sampler.sample(logits).token);
}

test("DEFAULT_SAMPLING holds llama.cpp's common_params_sampling defaults", () => {
  assert.deepEqual({ ...DEFAULT_SAMPLING }, {
    temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, typicalP: 1, repeatPenalty: 1, repeatLastN: 64,
    frequencyPenalty: 0, presencePenalty: 0, minKeep: 0, order: "edskypmxt",
  });
  assert.ok(Object.isFrozen(DEFAULT_SAMPLING));
});

const BAD_PARAMS: [SamplingParams | Record<string, unknown>, string, RegExp][] = [
  [{ temperature: Number.NaN }, "RangeError", /"temperature" must be a finite number, got NaN/],
  [{ temperature: Infinity }, "RangeError", /"temperature"/],
  [{ temperature: "1" }, "TypeError", /"temperature" must be a number, got "1"/],
  [{ topK: 2.5 }, "RangeError", /"topK" must be an integer/],
  [{ topP: 0 }, "RangeError", /"topP" must be in \(0, 1\], got 0/],
  [{ topP: 1.5 }, "RangeError", /"topP"/],
  [{ minP: -0.1 }, "RangeError", /"minP" must be in \[0, 1\]/],
  [{ minP: 2 }, "RangeError", /"minP"/],
  [{ typicalP: 0 }, "RangeError", /"typicalP"/],
  [{ repeatPenalty: 0 }, "RangeError", /"repeatPenalty" must be a finite number > 0/],
  [{ repeatPenalty: Infinity }, "RangeError", /"repeatPenalty"/],
  [{ repeatLastN: -2 }, "RangeError", /"repeatLastN" must be an integer >= -1, got -2/],
  [{ frequencyPenalty: Number.NaN }, "RangeError", /"frequencyPenalty"/],
  [{ presencePenalty: -Infinity }, "RangeError", /"presencePenalty"/],
  [{ minKeep: -1 }, "RangeError", /"minKeep"/],
  [{ seed: -1 }, "RangeError", /"seed" must be an integer in \[0, 4294967295\], got -1/],
  [{ seed: 2 ** 32 }, "RangeError", /"seed"/],
  [{ seed: 1.5 }, "RangeError", /"seed"/],
  [{ logitBias: { 10: 1 } }, "RangeError", /"logitBias" has token "10", expected an integer id in \[0, 9\]/],
  [{ logitBias: { "-1": 1 } }, "RangeError", /"logitBias" has token "-1"/],
  [{ logitBias: new Map([[3, Number.NaN]]) }, "RangeError", /"logitBias" for token 3 must be a finite number or -Infinity, got NaN/],
  [{ logitBias: new Map([[3, Infinity]]) }, "RangeError", /"logitBias" for token 3/],
  [{ logitBias: [1, 2] }, "TypeError", /"logitBias" must be a Map or an object/],
  [{ order: "ekz" }, "RangeError", /unknown sampler letter "z" in "ekz"/],
  [{ order: 5 }, "TypeError", /"order" must be a string/],
];

for (const [params, name, message] of BAD_PARAMS) {
  test(`rejects ${JSON.stringify(params, (_k, v) => (v instanceof Map ? [...v] : typeof v === "number" && !Number.isFinite(v) ? String(v) : v))}`, () => {
    assert.throws(() => new Sampler(params as SamplingParams, 10), { name, message });
  });
}

test("rejects bad nVocab and unsupported sampler letters", () => {
  assert.throws(() => new Sampler({}, 0), { name: "RangeError", message: /nVocab must be a positive integer, got 0/ });
  assert.throws(() => new Sampler({ order: "ki" }, 10), UnsupportedError);
  assert.throws(() => new Sampler({ order: "ka" }, 10), /adaptive-p/);
});

test("accepts the default order's d, s and x letters (their samplers are off) and ignores unrelated keys", () => {
  const s = new Sampler({ order: "dsxk", stop: ["\n"], temperature: undefined } as SamplingParams, 10);
  assert.deepEqual(s.params.stages, ["k"]);
  assert.equal(s.params.temperature, 0.8);
});

test("seed: an explicit seed is kept, a random one is reported and replays the run", () => {
  const logits = Float32Array.from([0, 0.5, 1, 0.2, 0.7]);
  assert.equal(new Sampler({ seed: 7 }, 5).seed, 7);
  for (const params of [undefined, { seed: 0xffffffff }]) {
    const a = new Sampler({ ...params, ...NO_FILTERS }, 5);
    assert.ok(Number.isInteger(a.seed) && a.seed >= 0 && a.seed < 0xffffffff);
    const b = new Sampler({ ...NO_FILTERS, seed: a.seed }, 5);
    assert.deepEqual(draws(a, logits, 50), draws(b, logits, 50));
  }
});

test("the same seed gives the same 100 draws; different seeds differ", () => {
  const logits = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
  const run = (seed: number) => draws(new Sampler({ ...NO_FILTERS, seed }, 50), logits, 100);
  assert.deepEqual(run(1234), run(1234));
  assert.notDeepEqual(run(1234), run(1235));
  assert.notDeepEqual(run(0), run(1));
});

test("reset() clears the penalty window and replays the RNG", () => {
  const logits = Float32Array.from({ length: 20 }, (_, i) => Math.cos(i));
  const s = new Sampler({ seed: 3, repeatPenalty: 1.5, topK: 0 }, 20);
  const first: number[] = [];
  for (let i = 0; i < 30; i++) {
    const { token } = s.sample(logits);
    s.accept(token);
    first.push(token);
  }
  s.reset();
  const second: number[] = [];
  for (let i = 0; i < 30; i++) {
    const { token } = s.sample(logits);
    s.accept(token);
    second.push(token);
  }
  assert.deepEqual(second, first);
});

test("sample() leaves the caller's logits untouched", () => {
  const logits = Float32Array.from([3, 1, 2, -1, 0.5]);
  const copy = logits.slice();
  const s = new Sampler({ seed: 1, repeatPenalty: 2, temperature: 0.5, logitBias: { 0: -5 } }, 5);
  s.accept(2);
  s.sample(logits);
  assert.deepEqual(logits, copy);
});

test("greedy: temperature <= 0 always picks the first maximum", () => {
  const logits = Float32Array.from([1, 4, 2, 4, 3]);
  for (const temperature of [0, -1]) {
    for (const topK of [40, 0]) {
      const s = new Sampler({ temperature, topK, seed: 5 }, 5);
      assert.deepEqual(new Set(draws(s, logits, 50)), new Set([1]));
    }
  }
});

test("logit bias: -Infinity bans, a large bias forces", () => {
  const logits = Float32Array.from([2, 1, 0, 0]);
  const banned = new Sampler({ ...NO_FILTERS, seed: 1, logitBias: { 0: -Infinity } }, 4);
  assert.ok(!draws(banned, logits, 300).includes(0));
  const forced = new Sampler({ ...NO_FILTERS, seed: 1, logitBias: new Map([[3, 100]]) }, 4);
  assert.deepEqual(new Set(draws(forced, logits, 50)), new Set([3]));
});

test("all -Infinity but one always yields that token, with logprob 0", () => {
  const logits = Float32Array.from([-Infinity, -Infinity, 0.3, -Infinity]);
  for (const params of [{}, NO_FILTERS, { temperature: 0 }]) {
    const s = new Sampler({ ...params, seed: 2 }, 4);
    for (let i = 0; i < 20; i++) assert.deepEqual(s.sample(logits), { token: 2, logprob: 0 });
  }
});

test("invalid logits fail with a clear error", () => {
  const s = new Sampler({ seed: 1 }, 4);
  assert.throws(() => s.sample(Float32Array.from([0, Number.NaN, 1, 2])), { name: "RangeError", message: /NaN or \+Infinity, got NaN at token 1/ });
  assert.throws(() => s.sample(Float32Array.from([0, Infinity, 1, 2])), /got Infinity at token 1/);
  assert.throws(() => s.sample(new Float32Array(3)), { name: "RangeError", message: /length must equal nVocab 4, got 3/ });
  assert.throws(() => s.sample([0, 1, 2, 3] as unknown as Float32Array), TypeError);
  assert.throws(() => s.sample(new Float32Array(4).fill(-Infinity)), /all -Infinity/);
  const banAll = new Sampler({ seed: 1, logitBias: { 0: -Infinity, 1: -Infinity } }, 2);
  assert.throws(() => banAll.sample(Float32Array.from([1, 2])), /Every token has a logit of -Infinity/);
});

test("accept() rejects ids outside the vocabulary", () => {
  const s = new Sampler({}, 8);
  for (const bad of [-1, 8, 1.5]) {
    assert.throws(() => s.accept(bad), { name: "RangeError", message: /accept token must be an integer id in \[0, 7\]/ });
  }
});

test("repeat penalty steers away from accepted tokens", () => {
  const logits = Float32Array.from([2, 1.9, 1.8]);
  const s = new Sampler({ temperature: 0, repeatPenalty: 1.2 }, 3);
  assert.equal(s.sample(logits).token, 0);
  s.accept(0);
  assert.equal(s.sample(logits).token, 1); // 2 / 1.2 < 1.9
  s.accept(1);
  assert.equal(s.sample(logits).token, 2);
});

test("temperature sharpens and flattens the distribution", () => {
  const logits = Float32Array.from([1, 0]);
  const share = (temperature: number) =>
    draws(new Sampler({ ...NO_FILTERS, temperature, seed: 11 }, 2), logits, 4000).filter((t) => t === 0).length / 4000;
  const p = (t: number) => softmax([1 / t, 0])[0]!;
  for (const t of [0.25, 1, 4]) assert.ok(Math.abs(share(t) - p(t)) < 0.03, `t = ${t}: ${share(t)} vs ${p(t)}`);
});

test("20k draws at temperature 1 with no filters match softmax", () => {
  const raw = [1.5, 0.2, -0.7, 0.9, 0, -2, 1.1, 0.4];
  const expected = softmax(raw);
  const counts = new Array(raw.length).fill(0);
  const s = new Sampler({ ...NO_FILTERS, seed: 2024 }, raw.length);
  const logits = Float32Array.from(raw);
  for (let i = 0; i < 20000; i++) counts[s.sample(logits).token]++;
  for (let i = 0; i < raw.length; i++) {
    const freq = counts[i] / 20000;
    assert.ok(Math.abs(freq - expected[i]!) < 0.01 + 0.05 * expected[i]!, `token ${i}: ${freq} vs ${expected[i]}`);
  }
});

test("logprob is the log softmax of the raw logits, whatever the filters", () => {
  const raw = [2, 1, 0.5, -1, 3];
  const logits = Float32Array.from(raw);
  const lsm = softmax(Array.from(logits)).map(Math.log);
  const s = new Sampler({ seed: 8, topK: 2, temperature: 0.3, logitBias: { 4: -1 } }, 5);
  for (let i = 0; i < 20; i++) {
    const { token, logprob } = s.sample(logits);
    assert.ok(Math.abs(logprob - lsm[token]!) < 1e-12);
  }
});

test("logSoftmaxAt matches a direct computation", () => {
  const raw = [0.25, -3, 7.5, 7.5, -Infinity, 1e-3];
  const logits = Float32Array.from(raw);
  const direct = softmax(Array.from(logits)).map(Math.log);
  for (let t = 0; t < raw.length; t++) {
    if (t === 4) assert.equal(logSoftmaxAt(logits, t), -Infinity);
    else assert.ok(Math.abs(logSoftmaxAt(logits, t) - direct[t]!) < 1e-12);
  }
  // Stable for huge logits.
  assert.ok(Math.abs(logSoftmaxAt(Float32Array.from([1e30, 1e30]), 0) - Math.log(0.5)) < 1e-12);
  assert.throws(() => logSoftmaxAt(logits, 6), /Token must be an integer id in \[0, 5\], got 6/);
  assert.throws(() => logSoftmaxAt(Float32Array.from([0, Number.NaN]), 0), /NaN/);
});

test("topLogprobs returns the n most likely, ties by lower id first", () => {
  const logits = Float32Array.from([1, 3, 3, -1, 2, 3]);
  const top = topLogprobs(logits, 4);
  assert.deepEqual(top.map((t) => t.token), [1, 2, 5, 4]);
  for (const { token, logprob } of top) assert.equal(logprob, logSoftmaxAt(logits, token));
  assert.equal(topLogprobs(logits, 0).length, 0);
  assert.deepEqual(topLogprobs(logits, 99).map((t) => t.token), [1, 2, 5, 4, 0, 3]);
  assert.throws(() => topLogprobs(logits, -1), /n must be an integer >= 0, got -1/);
});

test("performance: 128256-token vocabulary with default parameters", () => {
  const nVocab = 128256;
  let state = 99;
  const logits = Float32Array.from({ length: nVocab }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 20 - 10;
  });
  const s = new Sampler({ seed: 1, repeatPenalty: 1.1 }, nVocab);
  for (let i = 0; i < 10; i++) s.accept(s.sample(logits).token); // warm up the JIT
  const calls = 50;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) s.accept(s.sample(logits).token);
  const ms = (performance.now() - t0) / calls;
  console.log(`sampler: ${ms.toFixed(2)} ms per token at nVocab ${nVocab} (defaults + repeat penalty)`);
  assert.ok(ms < 50, `${ms} ms per token`);
});

test("sampleToken picks what sample picks, draw for draw, and rejects the same rows", () => {
  let state = 17;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const configs: SamplingParams[] = [
    {}, { temperature: 0 }, { topK: 0 }, { topK: 1000 }, { typicalP: 0.8 },
    { repeatPenalty: 1.5, frequencyPenalty: 0.5, presencePenalty: 0.5 },
    { logitBias: { 0: -Infinity, 3: -Infinity, 5: 2 }, temperature: 0 },
  ];
  for (const params of configs) {
    const a = new Sampler({ ...params, seed: 9 }, 300);
    const b = new Sampler({ ...params, seed: 9 }, 300);
    for (let step = 0; step < 30; step++) {
      // Coarse values make ties; some -Infinity entries stand in for banned tokens.
      const row = Float32Array.from({ length: 300 }, () => (next() < 0.05 ? -Infinity : Math.floor(next() * 8) / 2));
      const token = a.sample(row).token;
      assert.equal(b.sampleToken(row), token, `${JSON.stringify(params)} step ${step}`);
      a.accept(token);
      b.accept(token);
    }
  }
  const s = new Sampler({ seed: 1 }, 4);
  assert.throws(() => s.sampleToken(Float32Array.from([5, Number.NaN, 1, 2])), /NaN or \+Infinity, got NaN at token 1/);
  assert.throws(() => s.sampleToken(Float32Array.from([0, 1, Infinity, Number.NaN])), /got Infinity at token 2/);
  assert.throws(() => s.sampleToken(new Float32Array(4).fill(-Infinity)), /all -Infinity/);
  assert.throws(() => s.sampleToken(new Float32Array(5)), /length must equal nVocab 4, got 5/);
});

test("a NaN after the running maximum is still rejected, naming its token", () => {
  const s = new Sampler({ seed: 1 }, 4);
  assert.throws(() => s.sample(Float32Array.from([9, 1, Number.NaN, 2])), /got NaN at token 2/);
  assert.throws(() => logSoftmaxAt(Float32Array.from([9, -Infinity, 1, Number.NaN]), 0), /got NaN at token 3/);
});

test("top-k larger than the vocabulary, with banned tokens, keeps every allowed token", () => {
  const logits = Float32Array.from([1, 1, 1, 1]);
  const s = new Sampler({ ...NO_FILTERS, topK: 50, seed: 4, logitBias: { 1: -Infinity, 2: -Infinity } }, 4);
  const seen = new Set(draws(s, logits, 200));
  assert.deepEqual([...seen].sort(), [0, 3]);
});

test("greedy after top-k among equal logits picks the token llama.cpp's partial sort puts first", () => {
  // std::partial_sort's heap leaves the later of two tied maxima in front here.
  const logits = Float32Array.from([0, 2, 1, 2, 0]);
  const s = new Sampler({ temperature: 0, topK: 2, seed: 1 }, 5);
  const { token, logprob } = s.sample(logits);
  assert.equal(token, 3);
  assert.equal(logprob, logSoftmaxAt(logits, 3));
});

test("topLogprobs with a precomputed normalizer gives the same entries", () => {
  const logits = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 4);
  const normalizer = logSumExp(logits);
  for (const n of [0, 1, 7, 1000]) assert.deepEqual(topLogprobs(logits, n, normalizer), topLogprobs(logits, n));
});
