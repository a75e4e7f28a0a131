// Measures constrained-decoding cost at the Llama 3 vocabulary (128256 tokens): mask time per
// token while random logits pick tokens under several formats (cache hits and first visits of a
// grammar state), and, given a model, seconds per token with and without a constraint.
// Run: node --import tsx test/unit/grammar-mask.bench.ts [model.gguf [tokens]]

import { createConstraint, type ConstraintSpec } from "../../src/chat/index.js";
import type { GrammarConstraint } from "../../src/grammar/grammar-constraint.js";
import { loadModel } from "../../src/model/model.js";
import { buildVocabMetadata } from "../../src/synth/vocab.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import { vocabIndex } from "../../src/grammar/vocab-index.js";

const specs: [string, ConstraintSpec][] = [
  ["json_object", { type: "json_object" }],
  [
    "json_schema (object, enum, bounded integer, date, array)",
    {
      type: "json_schema",
      schema: {
        type: "object",
        properties: {
          name: { type: "string", maxLength: 40 },
          age: { type: "integer", minimum: 0, maximum: 150 },
          born: { type: "string", format: "date" },
          kind: { enum: ["cat", "dog", "llama"] },
          tags: { type: "array", items: { type: "string" }, maxItems: 4 },
        },
        required: ["name", "age", "born", "kind", "tags"],
        additionalProperties: false,
      },
    },
  ],
  ["tools (required, 2 tools)", {
    type: "tools",
    choice: "required",
    tools: [
      { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer", minimum: 1, maximum: 7 } }, required: ["city", "days"] } } },
      { type: "function", function: { name: "search", parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } } },
    ],
  }],
];

const LONG = {
  type: "object",
  properties: { title: { type: "string", maxLength: 20 }, story: { type: "string" }, years: { type: "array", items: { type: "integer" } } },
  required: ["title", "story", "years"],
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

let t0 = performance.now();
const tok = Tokenizer.fromMetadata(new Map(buildVocabMetadata("llama3").metadata));
console.log(`tokenizer ${(performance.now() - t0).toFixed(0)} ms`);
t0 = performance.now();
vocabIndex(tok);
console.log(`vocabulary index (once per tokenizer): ${(performance.now() - t0).toFixed(0)} ms`);

const logits = new Float32Array(tok.nVocab);
let rng = 42;
const rand = () => ((rng = (rng * 48271) % 2147483647) / 2147483647);
// Random logits: windows into a fixed noise buffer (cheap to produce per step).
const noise = Float32Array.from({ length: 2 * tok.nVocab }, () => rand() * 8);
for (const [name, spec] of specs) {
  t0 = performance.now();
  createConstraint(tok, spec);
  const compileMs = performance.now() - t0;
  const times: number[] = [];
  for (let run = 0; run < 20; run++) {
    const c = createConstraint(tok, spec) as GrammarConstraint;
    const budget = c.minTokensToComplete() + 10 + run * 6;
    for (let left = budget; left > 0 && !c.mustEnd(); left--) {
      const at = Math.floor(rand() * logits.length);
      logits.set(noise.subarray(at, at + logits.length));
      const s = performance.now();
      c.mask(logits, left);
      times.push(performance.now() - s);
      let best = 0;
      for (let t = 1; t < logits.length; t++) if (logits[t]! > logits[best]!) best = t;
      if (tok.eogTokens.has(best)) break;
      c.accept(best);
    }
  }
  const engine = (createConstraint(tok, spec) as GrammarConstraint).engine;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `${name}: compile ${compileMs.toFixed(1)} ms; ${times.length} masked tokens: mean ${mean.toFixed(2)} ms, median ${pct(times, 0.5).toFixed(2)}, ` +
      `p95 ${pct(times, 0.95).toFixed(2)}, max ${Math.max(...times).toFixed(1)}; states walked ${engine.stats.walks} ` +
      `(mean ${(engine.stats.walkMs / engine.stats.walks).toFixed(2)} ms), cache hits ${engine.stats.hits}`,
  );
}

const path = process.argv[2];
if (path) {
  const n = Number(process.argv[3] ?? 8);
  const model = await loadModel(path);
  console.log(`model ${path}: ${model.config.nLayer} layers, ${model.config.nEmbd} wide, kernels ${model.kernels.name ?? "?"}`);
  const prompt = model.tokenizer.encode("Write a JSON object about a llama:", { addSpecial: true });
  // Time spent inside mask() is measured directly; whole-step times on a shared machine are noisy.
  let maskMs = 0;
  let masks = 0;
  const timed = () => {
    // A random model seldom closes a free string, so every run generates all n tokens.
    const c = createConstraint(model.tokenizer, { type: "json_schema", schema: LONG });
    const mask = c.mask.bind(c);
    c.mask = (l, left) => {
      const s0 = performance.now();
      mask(l, left);
      maskMs += performance.now() - s0;
      masks++;
    };
    return c;
  };
  const run = async (constrained: boolean) => {
    maskMs = 0;
    masks = 0;
    const r = await model.complete(prompt, { maxTokens: n, seed: 1, ignoreEog: !constrained, nCtx: 256, ...(constrained && { constraint: timed() }) });
    return { msPerToken: r.timings.generatedMs / r.timings.generatedTokens, maskPerToken: masks ? maskMs / masks : 0, tokens: r.timings.generatedTokens };
  };
  await run(false); // warm-up
  const results = [];
  for (const constrained of [false, true, true, false]) results.push({ constrained, ...(await run(constrained)) });
  for (const [i, r] of results.entries()) {
    const label = r.constrained ? (i === 1 ? "json_schema, new grammar states" : "json_schema, states cached") : "plain";
    console.log(`decode ${label}: ${r.tokens} tokens, ${r.msPerToken.toFixed(1)} ms/token` + (r.constrained ? `, of which mask ${r.maskPerToken.toFixed(2)} ms` : ""));
  }
}
