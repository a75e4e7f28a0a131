import assert from "node:assert/strict";
import { test } from "node:test";
import { Candidates } from "./candidates.js";
import { partialSort } from "./sort.js";

/** Rows with many equal logits (ties decide the order) and some -Infinity (banned) entries. */
function tiedRow(n: number, seed: number): Float32Array {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Float32Array.from({ length: n }, () => (next() < 0.1 ? -Infinity : Math.floor(next() * 5) / 2));
}

test("after load, ids read as 0..n-1 and idAt agrees without reading them", () => {
  const c = new Candidates(5);
  c.load(Float32Array.from([3, 1, 4, 1, 5]));
  assert.equal(c.inIdOrder, true);
  assert.equal(c.idAt(3), 3);
  assert.deepEqual(Array.from(c.ids), [0, 1, 2, 3, 4]);
  assert.equal(c.inIdOrder, false);
  c.ids[0] = 4; // once read, the ids are the list's own
  assert.equal(c.idAt(0), 4);
  c.load(Float32Array.from([3, 1, 4, 1, 5]));
  assert.deepEqual(Array.from(c.ids), [0, 1, 2, 3, 4]);
});

test("partialSortInPlace on a list in id order moves exactly like std::partial_sort over explicit ids", () => {
  for (const n of [1, 2, 17, 128, 129, 1000]) {
    for (let seed = 1; seed <= 4; seed++) {
      const row = tiedRow(n, seed * 7919 + n);
      for (const k of [1, 2, 3, 40, 127, 128, n].filter((k) => k <= Math.min(n, 128))) {
        const ids = Int32Array.from(row, (_, i) => i);
        const keys = Float32Array.from(row);
        partialSort(ids, keys, 0, k, n);
        const c = new Candidates(n);
        c.load(row);
        c.partialSortInPlace(k);
        assert.equal(c.size, k);
        assert.equal(c.sorted, true);
        assert.deepEqual(Array.from(c.ids.subarray(0, k)), Array.from(ids.subarray(0, k)), `n ${n} k ${k} seed ${seed}`);
        assert.deepEqual(Array.from(c.logits.subarray(0, k)), Array.from(keys.subarray(0, k)));
      }
    }
  }
});

test("partialSortInPlace gives the same list whether or not the ids were read first", () => {
  const row = tiedRow(3000, 5);
  for (const k of [40, 128, 129, 3000]) {
    const fresh = new Candidates(row.length);
    fresh.load(row);
    fresh.partialSortInPlace(k);
    const read = new Candidates(row.length);
    read.load(row);
    void read.ids;
    read.partialSortInPlace(k);
    assert.deepEqual(Array.from(fresh.ids.subarray(0, k)), Array.from(read.ids.subarray(0, k)), `k ${k}`);
    assert.deepEqual(Array.from(fresh.logits.subarray(0, k)), Array.from(read.logits.subarray(0, k)));
  }
});

test("a lazy partialSortToBuffer, sorted bucket by bucket as read, matches the eager one", () => {
  const row = tiedRow(3000, 11).map((l, i) => (i % 3 ? l * 7 - 12 : l)); // spread over many buckets
  for (const npartial of [1, 256, 2999, 3000]) {
    const eager = new Candidates(row.length);
    eager.load(row);
    const wrote = eager.partialSortToBuffer(npartial);
    const lazy = new Candidates(row.length);
    lazy.load(row);
    assert.equal(lazy.partialSortToBuffer(npartial, true), wrote);
    for (const upTo of [0, 5, 100, npartial - 1]) {
      lazy.sortBufferThrough(upTo);
      const n = upTo + 1;
      assert.deepEqual(Array.from(lazy.sortIds.subarray(0, n)), Array.from(eager.sortIds.subarray(0, n)), `npartial ${npartial} through ${upTo}`);
      assert.deepEqual(Array.from(lazy.sortLogits.subarray(0, n)), Array.from(eager.sortLogits.subarray(0, n)));
    }
  }
});

test("bucket sort places logits as llama.cpp's x86 build does, huge ones in bucket 0", () => {
  const row = Float32Array.from([-Infinity, -20, -10, -9.99, -0.01, 0, 9.8, 9.85, 10, 50, 3e8, 1e30, 3.4e38]);
  // int(6.4f * l + 64) in f32, INT_MIN when out of int range, clamped to [0, 127].
  const bucket = (l: number) => {
    const t = Math.fround(Math.fround(Math.fround(6.4) * l) + 64);
    const b = t > -(2 ** 31) && t < 2 ** 31 ? Math.trunc(t) : 0;
    return Math.min(127, Math.max(0, b));
  };
  const expected = Array.from(row.keys()).sort((a, b) => bucket(row[b]!) - bucket(row[a]!) || row[b]! - row[a]!);
  const c = new Candidates(row.length);
  c.load(row);
  assert.equal(c.partialSortToBuffer(row.length), row.length);
  assert.deepEqual(Array.from(c.sortIds.subarray(0, row.length)), expected);
  // 3e8 tops bucket 127; 1e30 and 3.4e38 overflow int and share bucket 0 with -9.99 and below.
  assert.equal(expected[0], 10);
  assert.deepEqual(expected.slice(-6), [12, 11, 3, 2, 1, 0]);
});
