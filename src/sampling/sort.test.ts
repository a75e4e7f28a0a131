import assert from "node:assert/strict";
import { test } from "node:test";
import { introsort, partialSort } from "./sort.js";

function arrays(keys: number[]) {
  return { ids: Int32Array.from(keys, (_, i) => i), keys: Float32Array.from(keys) };
}

// Expected orders printed by g++ 12 / libstdc++ with the comparator a.logit > b.logit.
const PARTIAL: { name: string; keys: number[]; k: number; expected: number[] }[] = [
  { name: "all equal", keys: [1, 1, 1, 1, 1, 1, 1, 1], k: 3, expected: [0, 1, 2] },
  { name: "mixed ties, k = 4", keys: [2, 1, 2, 3, 1, 2, 3, 1, 2, 1], k: 4, expected: [6, 3, 0, 5] },
  { name: "mixed ties, full heap sort", keys: [2, 1, 2, 3, 1, 2, 3, 1, 2, 1], k: 10, expected: [6, 3, 8, 0, 2, 5, 7, 1, 4, 9] },
  { name: "distinct", keys: [0.5, -1, 4, 3, -Infinity, 2], k: 3, expected: [2, 3, 5] },
];

for (const c of PARTIAL) {
  test(`partialSort reproduces std::partial_sort: ${c.name}`, () => {
    const { ids, keys } = arrays(c.keys);
    partialSort(ids, keys, 0, c.k, c.keys.length);
    assert.deepEqual(Array.from(ids.subarray(0, c.k)), c.expected);
  });
}

test("introsort reproduces std::sort on 40 keys with five tie levels", () => {
  const { ids, keys } = arrays(Array.from({ length: 40 }, (_, i) => (i * 7) % 5));
  introsort(ids, keys, 0, 40);
  assert.deepEqual(
    Array.from(ids),
    [17, 2, 37, 22, 7, 32, 27, 12, 9, 24, 14, 29, 19, 34, 4, 39, 21, 1, 26, 31, 36, 16, 11, 6, 18, 23, 38, 13, 28, 3, 8, 33, 0, 20, 5, 35, 10, 30, 15, 25],
  );
});

test("introsort sorts large random arrays descending and keeps id/key pairs together", () => {
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) % 1000;
  const src = Array.from({ length: 5000 }, rnd);
  const { ids, keys } = arrays(src);
  introsort(ids, keys, 0, src.length);
  for (let i = 1; i < src.length; i++) assert.ok(keys[i - 1]! >= keys[i]!);
  for (let i = 0; i < src.length; i++) assert.equal(keys[i], src[ids[i]!]);
});
