// Cross-check against llama.cpp itself: testdata/llama-cpp-reference.json holds the tokens that
// libllama's sampler chain (node-llama-cpp 3.21.1's build of llama.cpp 80fb11ac) picked over
// synthetic logit rows; our Sampler must pick the same ones. Regenerate with the instructions
// in testdata/llama-cpp-reference.cpp.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Sampler, type SamplingParams } from "./sampler.js";

interface ReferenceCase {
  name: string;
  kind: "smooth" | "ties" | "peaked";
  nVocab: number;
  steps: number;
  dataSeed: number;
  params: Record<string, unknown>;
  prompt: number[];
  tokens: number[];
}

/** The harness's logit rows, bit for bit: a 32-bit LCG, 24-bit draws, exact double math, f32. */
function makeRows(kind: ReferenceCase["kind"], seed: number) {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const value = (): number => {
    const u = next() >>> 8;
    if (kind === "smooth") return (u / 16777216) * 24 - 12;
    if (kind === "ties") return (u >>> 20) / 2 - 4;
    const base = (u / 16777216) * 8 - 8;
    return (next() >>> 8) % 4096 === 0 ? base + 10 : base;
  };
  return (row: Float32Array) => {
    for (let i = 0; i < row.length; i++) row[i] = value();
  };
}

const fixture = JSON.parse(
  readFileSync(new URL("./testdata/llama-cpp-reference.json", import.meta.url), "utf8"),
) as { cases: ReferenceCase[] };

for (const c of fixture.cases) {
  test(`matches llama.cpp: ${c.name}`, () => {
    const { logitBias, ...rest } = c.params;
    const params: SamplingParams = { ...(rest as SamplingParams) };
    if (logitBias) {
      params.logitBias = Object.fromEntries(
        Object.entries(logitBias as Record<string, number | string>).map(([k, v]) => [k, Number(v)]),
      );
    }
    const sampler = new Sampler(params, c.nVocab);
    for (const t of c.prompt) sampler.accept(t);
    const fill = makeRows(c.kind, c.dataSeed);
    const row = new Float32Array(c.nVocab);
    const got: number[] = [];
    for (let s = 0; s < c.steps; s++) {
      fill(row);
      const { token } = sampler.sample(row);
      sampler.accept(token);
      got.push(token);
    }
    assert.deepEqual(got, c.tokens);
  });
}
