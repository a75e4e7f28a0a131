import assert from "node:assert/strict";
import { test } from "node:test";
import { Candidates } from "./candidates.js";
import { minP, topK, topP, typical } from "./filters.js";
import { dist, temperature } from "./pick.js";
import { Mt19937 } from "./rng.js";

const NEG = -Infinity;
const ln = (x: number) => Math.log(x);

function load(logits: number[]): Candidates {
  const c = new Candidates(logits.length);
  c.load(Float32Array.from(logits));
  return c;
}
const ids = (c: Candidates) => Array.from(c.ids.subarray(0, c.size));
const logitsOf = (c: Candidates) => Array.from(c.logits.subarray(0, c.size));

interface Row {
  name: string;
  logits: number[];
  arg: number;
  minKeep?: number;
  /** Survivors in list order; a number only checks the count (order decided by ties). */
  expected: number[] | number;
  sorted?: boolean;
}

function runTable(label: string, rows: Row[], apply: (c: Candidates, row: Row) => void): void {
  for (const row of rows) {
    test(`${label}: ${row.name}`, () => {
      const c = load(row.logits);
      apply(c, row);
      if (typeof row.expected === "number") assert.equal(c.size, row.expected);
      else assert.deepEqual(ids(c), row.expected);
      if (row.sorted !== undefined) assert.equal(c.sorted, row.sorted);
    });
  }
}

runTable("top-k", [
  { name: "keeps the k largest, sorted", logits: [1, 3, 2, 5, 4], arg: 2, expected: [3, 4], sorted: true },
  { name: "k = 0 is off", logits: [1, 3, 2], arg: 0, expected: [0, 1, 2], sorted: false },
  { name: "negative k is off", logits: [1, 3, 2], arg: -5, expected: [0, 1, 2], sorted: false },
  { name: "k above the size keeps all, sorted", logits: [1, 3, 2, 5, 4], arg: 10, expected: [3, 4, 1, 2, 0], sorted: true },
  { name: "all -Infinity but one", logits: [NEG, NEG, 2, NEG], arg: 1, expected: [2] },
  // Ties follow libstdc++'s std::partial_sort (checked against g++), not id order.
  { name: "ties in libstdc++ order", logits: [2, 1, 2, 3, 1, 2, 3, 1, 2, 1], arg: 4, expected: [6, 3, 0, 5] },
], (c, row) => topK(c, row.arg));

// Probabilities .125, .5, .125, .25 for ids 0..3.
const QUARTERS = [ln(0.125), ln(0.5), ln(0.125), ln(0.25)];

runTable("top-p", [
  { name: "shortest prefix reaching p", logits: QUARTERS, arg: 0.6, expected: [1, 3], sorted: true },
  { name: "one token when it alone reaches p", logits: QUARTERS, arg: 0.3, expected: [1] },
  { name: "min_keep extends the prefix", logits: QUARTERS, arg: 0.3, minKeep: 3, expected: 3 },
  { name: "min_keep above the size keeps all", logits: QUARTERS, arg: 0.3, minKeep: 9, expected: 4 },
  { name: "p = 0.95 needs every token here", logits: QUARTERS, arg: 0.95, expected: 4 },
  { name: "p = 1 is off", logits: QUARTERS, arg: 1, expected: [0, 1, 2, 3], sorted: false },
  { name: "all -Infinity but one", logits: [NEG, NEG, 2, NEG], arg: 0.9, expected: [2] },
], (c, row) => topP(c, row.arg, row.minKeep ?? 0));

runTable("min-p", [
  { name: "keeps p_i >= p * p_max, list order kept", logits: [0, -1, -2, -3, -0.5], arg: 0.5, expected: [0, 4], sorted: false },
  { name: "lower p keeps more", logits: [0, -1, -2, -3, -0.5], arg: 0.3, expected: [0, 1, 4] },
  { name: "min_keep falls back to the sorted prefix", logits: [0, -1, -2, -3, -0.5], arg: 0.5, minKeep: 4, expected: [0, 4, 1, 2], sorted: true },
  { name: "p = 1 keeps only the maxima", logits: [2, 2, 1], arg: 1, expected: [0, 1] },
  { name: "p = 0 is off", logits: [0, -9, -20], arg: 0, expected: [0, 1, 2] },
  { name: "all -Infinity but one", logits: [NEG, 3, NEG], arg: 0.05, expected: [1] },
], (c, row) => minP(c, row.arg, row.minKeep ?? 0));

test("min-p on a sorted list keeps the prefix above the threshold", () => {
  const c = load([0, -1, -2, -3, -0.5]);
  topK(c, 5);
  minP(c, 0.3, 0);
  assert.deepEqual(ids(c), [0, 4, 1]);
});

// Probabilities .5, .25, .125, .125: entropy 1.75 ln 2; |surprise - entropy| is smallest for
// id 1, then id 0, then ids 2 and 3.
const HALVES = [ln(0.5), ln(0.25), ln(0.125), ln(0.125)];

runTable("typical", [
  { name: "most typical first until the mass exceeds p", logits: HALVES, arg: 0.5, expected: [1, 0], sorted: false },
  { name: "a single token when it exceeds p", logits: HALVES, arg: 0.2, expected: [1] },
  { name: "min_keep", logits: HALVES, arg: 0.2, minKeep: 3, expected: 3 },
  { name: "large p keeps all", logits: HALVES, arg: 0.9, expected: 4 },
  { name: "p = 1 is off", logits: HALVES, arg: 1, expected: [0, 1, 2, 3] },
], (c, row) => typical(c, row.arg, row.minKeep ?? 0));

test("top-p over more than 1024 candidates widens past its first 256", () => {
  const c = load(Array.from({ length: 2000 }, (_, i) => (i % 2 ? 0 : -0.001)));
  topP(c, 0.5, 0);
  assert.ok(c.size >= 990 && c.size <= 1010, `kept ${c.size}`);
  assert.equal(c.sorted, true);
  const kept = logitsOf(c);
  for (let i = 1; i < kept.length; i++) assert.ok(kept[i - 1]! >= kept[i]!);
});

test("top-p over more than 1024 candidates with one dominant token", () => {
  const logits = Array.from({ length: 5000 }, () => -5);
  logits[4321] = 10;
  const c = load(logits);
  topP(c, 0.9, 0);
  assert.deepEqual(ids(c), [4321]);
});

test("temperature scales logits in f32", () => {
  const c = load([1, 2, 3]);
  temperature(c, 2);
  assert.deepEqual(logitsOf(c), [0.5, 1, 1.5]);
  const d = load([1, -2, 0.1]);
  temperature(d, 0.5);
  assert.deepEqual(logitsOf(d), [2, -4, Math.fround(Math.fround(0.1) / 0.5)]);
});

test("temperature <= 0 is greedy: the first maximum survives, the rest become -Infinity", () => {
  for (const t of [0, -1]) {
    const c = load([3, 1, 3, 2]);
    temperature(c, t);
    assert.deepEqual(logitsOf(c), [3, NEG, NEG, NEG]);
  }
});

/** An RNG stub returning fixed uniforms, to check dist's inverse transform. */
function fixed(...draws: number[]): Mt19937 {
  return { nextDouble: () => draws.shift()! } as unknown as Mt19937;
}

test("dist picks the first index whose running sum reaches r * sum", () => {
  // Unnormalized probabilities 1, 1, 2 (sum 4).
  const cases: [number, number][] = [[0, 0], [0.1, 0], [0.25, 0], [0.3, 1], [0.5, 1], [0.51, 2], [0.999, 2]];
  for (const [r, expected] of cases) {
    assert.equal(dist(load([0, 0, Math.LN2]), fixed(r)), expected, `r = ${r}`);
  }
});

test("dist never picks a -Infinity candidate and uses one draw per call", () => {
  const rng = new Mt19937(9);
  const twin = new Mt19937(9);
  for (let i = 0; i < 500; i++) {
    assert.notEqual(dist(load([0, NEG, 0.5]), rng), 1);
    twin.nextDouble();
  }
  // A single candidate still consumes a draw, like llama.cpp's dist since it aligned with backend sampling.
  assert.equal(dist(load([7]), rng), 0);
  twin.nextDouble();
  assert.equal(rng.nextU32(), twin.nextU32());
});
