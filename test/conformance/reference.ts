// The llama.cpp side of the conformance suite: node-llama-cpp 3.21.1 (pinned; its prebuilt CPU
// binary) loads the same GGUF and reports the next-token distribution at every position.
// controlledEvaluate's `probabilities` is a float32 softmax of the raw logits.

import { getLlama, type Llama, type LlamaModel as RefModel, type Token } from "node-llama-cpp";

let llamaPromise: Promise<Llama> | undefined;

export function referenceLlama(): Promise<Llama> {
  llamaPromise ??= getLlama({ gpu: false, build: "never", logLevel: "error" as never });
  return llamaPromise;
}

export async function loadReference(path: string): Promise<RefModel> {
  const llama = await referenceLlama();
  return llama.loadModel({ modelPath: path, gpuLayers: 0 });
}

/** Probability of every vocabulary entry at every position (teacher forcing over `tokens`). */
export async function referenceDistributions(model: RefModel, tokens: number[], nVocab: number): Promise<Float64Array[]> {
  const ctx = await model.createContext({ contextSize: Math.max(256, tokens.length + 16), flashAttention: false, threads: 2, batchSize: 512 });
  try {
    const seq = ctx.getSequence();
    const out = await seq.controlledEvaluate(tokens.map((t) => [t as Token, { generateNext: { probabilities: true } }]));
    return out.map((o, i) => {
      const probs = o?.next.probabilities;
      if (!probs) throw new Error(`llama.cpp returned no probabilities at position ${i}`);
      const row = new Float64Array(nVocab);
      for (const [tok, p] of probs) row[tok as number] = p;
      return row;
    });
  } finally {
    await ctx.dispose();
  }
}

/** llama.cpp's greedy continuation of `prompt` for n tokens. */
export async function referenceGreedy(model: RefModel, prompt: number[], n: number): Promise<number[]> {
  const ctx = await model.createContext({ contextSize: Math.max(256, prompt.length + n + 16), flashAttention: false, threads: 2 });
  try {
    const seq = ctx.getSequence();
    const generated: number[] = [];
    let input: number[] = prompt;
    for (let i = 0; i < n; i++) {
      const out = await seq.controlledEvaluate(input.map((t, k) => (k === input.length - 1 ? [t as Token, { generateNext: { probabilities: true } }] : (t as Token))));
      const probs = out[input.length - 1]?.next.probabilities;
      if (!probs) throw new Error("llama.cpp returned no probabilities");
      const [best] = probs.entries().next().value as [Token, number];
      generated.push(best as number);
      input = [best as number];
    }
    return generated;
  } finally {
    await ctx.dispose();
  }
}
