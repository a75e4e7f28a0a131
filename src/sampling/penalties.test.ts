import assert from "node:assert/strict";
import { test } from "node:test";
import { Candidates } from "./candidates.js";
import { PenaltyWindow } from "./penalties.js";

const f32 = Math.fround;

interface Row {
  name: string;
  logits: number[];
  history: number[];
  lastN?: number;
  repeat?: number;
  frequency?: number;
  presence?: number;
  expected: number[];
}

const ROWS: Row[] = [
  {
    name: "repeat penalty divides positive and multiplies negative logits",
    logits: [2, -2, 1, 0],
    history: [0, 1, 3],
    repeat: 2,
    expected: [1, -4, 1, 0],
  },
  {
    name: "frequency counts occurrences, presence applies once",
    logits: [5, 5, 5],
    history: [0, 0, 0, 1],
    frequency: 0.5,
    presence: 0.25,
    expected: [5 - (3 * 0.5 + 0.25), 5 - (0.5 + 0.25), 5],
  },
  {
    name: "only the last N tokens count",
    logits: [4, 4, 4, 4],
    history: [0, 1, 2, 1, 1],
    lastN: 3,
    frequency: 1,
    expected: [4, 2, 3, 4],
  },
  {
    name: "lastN = 0 disables everything",
    logits: [4, 4],
    history: [0, 0, 1],
    lastN: 0,
    repeat: 2,
    frequency: 1,
    expected: [4, 4],
  },
  {
    name: "lastN = -1 keeps the whole history",
    logits: [4, 4, 4],
    history: [...Array.from({ length: 300 }, () => 2), 0, 1],
    lastN: -1,
    frequency: 0.01,
    expected: [4 - 0.01, 4 - 0.01, f32(4 - f32(300 * f32(0.01)))],
  },
  {
    name: "neutral values leave logits untouched",
    logits: [1, -1],
    history: [0, 1],
    expected: [1, -1],
  },
  {
    name: "a -Infinity (banned) logit stays banned",
    logits: [-Infinity, 1],
    history: [0],
    repeat: 1.5,
    presence: -3,
    expected: [-Infinity, 1],
  },
];

for (const row of ROWS) {
  test(`penalties: ${row.name}`, () => {
    const w = new PenaltyWindow(row.logits.length, row.lastN ?? 64, row.repeat ?? 1, row.frequency ?? 0, row.presence ?? 0);
    for (const t of row.history) w.accept(t);
    const c = new Candidates(row.logits.length);
    c.load(Float32Array.from(row.logits));
    w.apply(c);
    assert.deepEqual(Array.from(c.logits), row.expected.map(f32));
  });
}

test("penalties give the same logits on a list in id order (window walk) and on a read list (full scan)", () => {
  const n = 50;
  let state = 3;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (const lastN of [-1, 1, 5, 64]) {
    const w = new PenaltyWindow(n, lastN, 1.3, 0.25, -0.5);
    // Few distinct tokens, so the window repeats them; 80 tokens roll a short window over.
    for (let i = 0; i < 80; i++) w.accept(Math.floor(next() * 12));
    const row = Float32Array.from({ length: n }, (_, i) => (i === 7 ? -Infinity : next() * 8 - 4));
    const walked = new Candidates(n);
    walked.load(row);
    w.apply(walked);
    assert.equal(walked.inIdOrder, true);
    const scanned = new Candidates(n);
    scanned.load(row);
    void scanned.ids;
    w.apply(scanned);
    assert.deepEqual(Array.from(walked.logits), Array.from(scanned.logits), `lastN ${lastN}`);
    assert.notDeepEqual(Array.from(walked.logits), Array.from(row));
    // Applying twice compounds, so the counts survived the walk's marking.
    w.apply(walked);
    w.apply(scanned);
    assert.deepEqual(Array.from(walked.logits), Array.from(scanned.logits));
  }
});

test("penalties follow candidates by id, not by position", () => {
  const w = new PenaltyWindow(4, 64, 2, 0, 0);
  w.accept(3);
  const c = new Candidates(4);
  c.load(Float32Array.from([1, 2, 3, 8]));
  c.partialSortInPlace(2); // now [id 3, id 2]
  w.apply(c);
  assert.deepEqual(Array.from(c.ids.subarray(0, 2)), [3, 2]);
  assert.deepEqual(Array.from(c.logits.subarray(0, 2)), [4, 3]);
  assert.equal(c.sorted, false);
});

test("the window slides and reset() empties it", () => {
  const w = new PenaltyWindow(10, 2, 1, 1, 0);
  for (const t of [1, 2, 3, 4]) w.accept(t);
  assert.equal(w.size, 2);
  const c = new Candidates(10);
  c.load(new Float32Array(10));
  w.apply(c);
  assert.deepEqual(Array.from(c.logits), [0, 0, 0, -1, -1, 0, 0, 0, 0, 0]);
  w.reset();
  assert.equal(w.size, 0);
  c.load(new Float32Array(10));
  w.apply(c);
  assert.deepEqual(Array.from(c.logits), new Array(10).fill(0));
});
