import assert from "node:assert/strict";
import { test } from "node:test";
import { Mt19937 } from "./rng.js";

test("Mt19937 reproduces std::mt19937 outputs", () => {
  const rng = new Mt19937();
  assert.deepEqual([rng.nextU32(), rng.nextU32(), rng.nextU32()], [3499211612, 581869302, 3890346734]);
  for (let i = 4; i < 10000; i++) rng.nextU32();
  // The C++ standard's check value: the 10000th output of a default-constructed mt19937.
  assert.equal(rng.nextU32(), 4123659995);
});

test("Mt19937 explicit seed 5489 equals the default seed", () => {
  const a = new Mt19937(5489);
  const b = new Mt19937();
  for (let i = 0; i < 1000; i++) assert.equal(a.nextU32(), b.nextU32());
});

// Printed by g++ 12 / libstdc++: std::uniform_real_distribution<double>(0, 1) over std::mt19937(seed).
const CANONICAL: [number, number[]][] = [
  [5489, [0.1354770042967805, 0.8350085899945795, 0.96886777112423139, 0.2210340429827049]],
  [42, [0.79654298428784598, 0.18343478789336848, 0.77969099761266125, 0.59685016158005655]],
  [0, [0.59284461651668263, 0.84426574425659828, 0.85794561998982988, 0.84725173738433124]],
];

for (const [seed, expected] of CANONICAL) {
  test(`nextDouble matches libstdc++ uniform_real_distribution<double> for seed ${seed}`, () => {
    const rng = new Mt19937(seed);
    assert.deepEqual(expected.map(() => rng.nextDouble()), expected);
  });
}

test("nextDouble clamps a draw that rounds up to 1 to the largest double below 1", () => {
  class AllOnes extends Mt19937 {
    override nextU32(): number {
      return 0xffffffff;
    }
  }
  const r = new AllOnes().nextDouble();
  assert.equal(r, 1 - 2 ** -53);
  assert.ok(r < 1);
});

test("seed() restarts the sequence", () => {
  const rng = new Mt19937(123);
  const first = [rng.nextU32(), rng.nextU32()];
  rng.seed(123);
  assert.deepEqual([rng.nextU32(), rng.nextU32()], first);
});

test("Mt19937 rejects seeds outside uint32", () => {
  for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) {
    assert.throws(() => new Mt19937(bad), { name: "RangeError", message: /seed must be an integer/ });
  }
});
