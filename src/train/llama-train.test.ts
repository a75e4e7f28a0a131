// Gradient checks: the analytic gradient of every parameter tensor (every layer's weights, norms,
// embeddings, output) against central finite differences, in f64 so the comparison is tight.

import { test } from "node:test";
import assert from "node:assert/strict";
import { jsCompute } from "./compute.js";
import { TrainableLlama } from "./llama-train.js";
import type { TrainShape } from "./model-shape.js";
import { SeededRandom } from "../synth/seeded-random.js";

function shape(over: Partial<TrainShape> = {}): TrainShape {
  return { nVocab: 11, nEmbd: 8, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 12, nCtx: 16, ropeFreqBase: 10000, normEps: 1e-5, tiedEmbeddings: false, ...over };
}

function setup(s: TrainShape, batch: number, seqLen: number, seed = 1) {
  const m = new TrainableLlama(s, jsCompute("f64"), batch, seqLen);
  const rng = new SeededRandom(seed);
  const init = rng.normalArray(m.layout.nParams, 0.5);
  for (const t of m.layout.tensors) for (let i = 0; i < t.size; i++) m.params[t.offset + i] = t.isNorm ? 1 + init[t.offset + i]! * 0.2 : init[t.offset + i]!;
  const N = batch * seqLen;
  const inputs = Array.from({ length: N }, () => rng.nextU32() % s.nVocab);
  const targets = Array.from({ length: N }, () => rng.nextU32() % s.nVocab);
  // Some positions masked out, the rest weighted unevenly.
  const weights = Array.from({ length: N }, (_, i) => (i % 5 === 3 ? 0 : 0.5 + (i % 3) / 4));
  return { m, inputs, targets, weights };
}

function checkGradients(s: TrainShape, batch: number, seqLen: number): void {
  const { m, inputs, targets, weights } = setup(s, batch, seqLen);
  m.grads.fill(0);
  m.step(inputs, targets, weights, true);
  const analytic = Float64Array.from(m.grads);
  const eps = 1e-5;
  for (const t of m.layout.tensors) {
    // A spread of entries of every tensor (all of them for small ones).
    const picks = t.size <= 24 ? [...Array(t.size).keys()] : [0, 1, 7, Math.floor(t.size / 2), t.size - 3, t.size - 1];
    for (const i of picks) {
      const j = t.offset + i;
      const keep = m.params[j]!;
      m.params[j] = keep + eps;
      const up = m.step(inputs, targets, weights, false);
      m.params[j] = keep - eps;
      const down = m.step(inputs, targets, weights, false);
      m.params[j] = keep;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - analytic[j]!) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic[j]!));
      assert.ok(err < 1e-5, `${t.name}[${i}]: analytic ${analytic[j]} vs numeric ${numeric} (rel ${err.toExponential(2)})`);
    }
  }
}

test("gradients match finite differences for every tensor (untied, GQA)", () => {
  checkGradients(shape(), 2, 5);
});

test("gradients match finite differences with tied embeddings and multi-query attention", () => {
  checkGradients(shape({ tiedEmbeddings: true, nHeadKv: 1, nLayer: 1 }), 1, 7);
});

test("the loss is causal: a later token never changes an earlier position's loss", () => {
  const s = shape();
  const { m, inputs, targets } = setup(s, 1, 8);
  const onlyFirst = inputs.map((_, i) => (i < 4 ? 1 : 0));
  const before = m.step(inputs, targets, onlyFirst, false);
  const changed = inputs.slice();
  changed[6] = (changed[6]! + 1) % s.nVocab;
  assert.equal(m.step(changed, targets, onlyFirst, false), before);
  const all = inputs.map(() => 1);
  assert.notEqual(m.step(changed, targets, all, false), m.step(inputs, targets, all, false));
});

test("rejects batches of the wrong size and out-of-vocabulary ids", () => {
  const { m, inputs, targets, weights } = setup(shape(), 1, 4);
  assert.throws(() => m.step(inputs.slice(1), targets, weights, false), /A batch is 4 tokens/);
  assert.throws(() => m.step(inputs.map(() => 99), targets, weights, false), /Token id 99 is outside the vocabulary of 11/);
  assert.throws(() => new TrainableLlama(shape(), jsCompute(), 1, 17), /seqLen must be in 1..16/);
  assert.throws(() => new TrainableLlama(shape({ nHead: 3 }), jsCompute(), 1, 4), /not a multiple of nHead/);
});
