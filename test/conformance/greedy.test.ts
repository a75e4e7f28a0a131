// Greedy continuations identical to llama.cpp's for 24 tokens, on models whose output gain makes
// next-token distributions peaked (so the comparison tests the engine, not float noise between
// near-tied candidates), with real text prompts through each vocabulary.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadModel } from "../../src/model/model.js";
import type { SynthOptions } from "../../src/synth/synth.js";
import { cachedModel } from "./models.js";
import { loadReference, referenceGreedy, referenceLlama } from "./reference.js";

const N = 24;
const CASES: { id: string; opts: SynthOptions; prompt: string }[] = [
  { id: "greedy-q8_0-llama3", opts: { type: "Q8_0", vocab: "llama3", outputGain: 12, shape: { tiedEmbeddings: true, ropeScaling: true, ropeFreqBase: 500000 } }, prompt: "The capital of France is" },
  { id: "greedy-f16-spm", opts: { type: "F16", vocab: "spm", outputGain: 12 }, prompt: "Once upon a time, there was" },
  { id: "greedy-q4_k_m-bytes", opts: { type: "Q4_K_M", vocab: "bytes", outputGain: 12, shape: { nLayer: 3 } }, prompt: "def fib(n):" },
];

after(async () => {
  await (await referenceLlama()).dispose();
});

describe("greedy continuations match llama.cpp", () => {
  for (const c of CASES) {
    test(c.id, async () => {
      const path = await cachedModel(c.id, { preset: "tiny", seed: 11, ...c.opts });
      const ours = await loadModel(path);
      const ref = await loadReference(path);
      try {
        const prompt = ours.tokenizer.encode(c.prompt);
        const refPrompt = ref.tokenize(c.prompt, false).map(Number);
        assert.deepEqual(prompt, ours.tokenizer.addBos ? [ours.tokenizer.bos!, ...refPrompt] : refPrompt);
        const expected = await referenceGreedy(ref, prompt, N);
        const result = await ours.complete(prompt, { temperature: 0, maxTokens: N, ignoreEog: true });
        console.log(`${c.id}: ${JSON.stringify(result.tokens.slice(0, 12))}…`);
        assert.deepEqual(result.tokens, expected);
      } finally {
        await ref.dispose();
      }
    });
  }
});
