// Evaluates the trained default model and writes its model card: held-out loss and perplexity
// (computed with the trainer's forward pass), accuracy on the held-out task prompts (answered by
// the engine from the exported GGUF, exactly as `llama-ts eval-tasks` does), sample generations,
// and the training record. Figures are measured on every run, never typed in.

import { readFile, rename, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { cpus } from "node:os";
import type { ChatMessage, ToolDefinition } from "../chat/types.js";
import { evaluateTasks, validateTaskExamples, type TaskEvaluation } from "../eval/tasks.js";
import { modelAnswerer } from "../eval/model-answerer.js";
import type { TaskExample } from "../eval/task-example.js";
import { loadModel } from "../model/model.js";
import { TOOLS } from "./data/tools.js";
import { createTrainCompute } from "./select-compute.js";
import { datasetLoss, readRecipeDataset, sha256File, type RecipeResult } from "./default-recipe.js";

/** The issue's quality bars for the shipped model. */
export const TARGETS = { answers: 0.8, toolCalls: 0.9 };

export interface DefaultModelEvaluation {
  validationLoss: number;
  validationPerplexity: number;
  validationTargets: number;
  kjvLoss: number;
  kjvPerplexity: number;
  kjvTokens: number;
  tasks: TaskEvaluation;
  /** Arithmetic, facts and conversion together (the "exact answers" bar). */
  answerAccuracy: number;
  /** Tool-call prompts answered with a valid call to the right tool. */
  toolCallAccuracy: number;
  samples: { prompt: string; reply: string }[];
  evalSeconds: number;
}

const SAMPLE_CHATS: { messages: ChatMessage[]; tools?: (keyof typeof TOOLS)[] }[] = [
  { messages: [{ role: "user", content: "What is 7 + 8?" }] },
  { messages: [{ role: "user", content: "What is 6 times 7?" }] },
  { messages: [{ role: "user", content: "What is the capital of Japan?" }] },
  { messages: [{ role: "user", content: "How many minutes are in 4 hours?" }] },
  { messages: [{ role: "user", content: "What's the weather like in Paris right now?" }], tools: ["get_weather", "get_time"] },
  { messages: [{ role: "user", content: "Set a timer for 10 minutes." }], tools: ["set_timer", "search_books"] },
  { messages: [{ role: "user", content: "Which continent is Kenya in?" }], tools: ["get_weather"] },
];
const SAMPLE_TEXTS = ["In the beginning God created", "And Jesus said unto them,"];

export async function evaluateDefaultModel(r: RecipeResult, workDir: string, threads: number, log: (line: string) => void): Promise<DefaultModelEvaluation> {
  const started = performance.now();
  const { compute } = await createTrainCompute("wasm", threads);
  let validation: { loss: number; targets: number };
  let kjv: { loss: number; targets: number };
  try {
    const seqLen = r.config.training.seqLen;
    log("Evaluating: held-out loss and perplexity…");
    validation = datasetLoss(r.train.shape, r.train.params, await readRecipeDataset(workDir, "validation.ltds"), seqLen, 4, compute);
    kjv = datasetLoss(r.train.shape, r.train.params, await readRecipeDataset(workDir, "kjv-validation.ltds"), seqLen, 4, compute);
  } finally {
    compute.dispose();
  }

  const model = await loadModel(r.modelPath!, { threads });
  try {
    const raw: unknown = JSON.parse(await readFile(join(workDir, "tasks-test.json"), "utf8"));
    validateTaskExamples(raw, "tasks-test.json");
    const examples = raw as TaskExample[];
    log(`Evaluating: ${examples.length} held-out task prompts with the engine…`);
    let lastLog = Date.now();
    const tasks = await evaluateTasks(examples, modelAnswerer(model), {
      onResult: (_r, done, total) => {
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          log(`    ${done}/${total}`);
        }
      },
    });
    const fam = (names: string[]) => tasks.families.filter((f) => names.includes(f.family));
    const sum = (fs: { total: number; correct: number }[]) => fs.reduce((a, f) => ({ total: a.total + f.total, correct: a.correct + f.correct }), { total: 0, correct: 0 });
    const answers = sum(fam(["arithmetic", "facts", "conversion"]));
    const tools = sum(fam(["tool_call"]));

    log("Sample generations…");
    const samples: { prompt: string; reply: string }[] = [];
    const answer = modelAnswerer(model, { maxTokens: 48, date: new Date(2026, 10, 27) });
    for (const s of SAMPLE_CHATS) {
      const tools: ToolDefinition[] | undefined = s.tools?.map((t) => TOOLS[t]);
      const reply = await answer(s.messages, tools);
      const shownTools = s.tools ? ` (tools offered: ${s.tools.join(", ")})` : "";
      samples.push({ prompt: `${s.messages.at(-1)!.content}${shownTools}`, reply: typeof reply === "string" ? reply : reply.content });
    }
    for (const text of SAMPLE_TEXTS) {
      let out = "";
      for await (const piece of model.generate(text, { maxTokens: 40, temperature: 0 })) out += piece.text;
      samples.push({ prompt: `(text) ${text}`, reply: out });
    }
    return {
      validationLoss: validation.loss, validationPerplexity: Math.exp(validation.loss), validationTargets: validation.targets,
      kjvLoss: kjv.loss, kjvPerplexity: Math.exp(kjv.loss), kjvTokens: kjv.targets,
      tasks, answerAccuracy: answers.correct / answers.total, toolCallAccuracy: tools.correct / tools.total,
      samples, evalSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    (model as { dispose?: () => void }).dispose?.();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const n = (x: number) => x.toLocaleString("en-US");
const minutes = (s: number) => `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;

export async function writeModelCard(path: string, r: RecipeResult, ev: DefaultModelEvaluation, modelFile: string, threads: number): Promise<void> {
  const s = r.train.shape;
  const t = r.config.training;
  const bytes = (await readFile(modelFile)).length;
  const sha = await sha256File(modelFile);
  const tokensSeen = t.steps * t.batchSize * t.seqLen * t.gradAccum;
  const lastTrain = r.train.history.slice(-50).reduce((a, p) => a + p.loss, 0) / Math.min(50, r.train.history.length);
  const fence = "```";
  const taskRows = ev.tasks.families
    .map((f) => `| ${f.family} | ${f.total} | ${f.correct} | ${pct(f.accuracy)} | ${f.exactArgumentRate === undefined ? "" : pct(f.exactArgumentRate)} |`)
    .join("\n");
  const meets = (x: number, bar: number) => (x >= bar ? "meets" : "below");
  const card = `# llama.ts default model

\`${basename(modelFile)}\` is the model llama.ts uses when no \`-m\` is given (\`llama-ts run\`, \`chat\`, \`serve\`, \`npm start\`).
It is a small Llama trained from scratch by this repository on one 2-core machine with \`npm run train:default\`,
so that the runtime does something real on a fresh machine without any download. It is a demonstration of the
whole open-model workflow (data → tokenizer → training → GGUF → evaluation) — not a general assistant.

| | |
|---|---|
| Architecture | Llama (RMSNorm, RoPE, grouped-query attention, SwiGLU, tied embeddings) |
| Parameters | ${n(r.train.nParams)} |
| Shape | ${s.nLayer} layers, embedding ${s.nEmbd}, ${s.nHead} heads (${s.nHeadKv} KV heads, head size ${s.nEmbd / s.nHead}), feed-forward ${s.nFf} |
| Context | ${s.nCtx} tokens (the training sequence length) |
| Vocabulary | ${n(s.nVocab)} tokens: byte-level BPE trained by \`llama-ts train-tokenizer\` (Llama 3 pre-tokenization, digits split, Llama 3.1's 256 special tokens) |
| Chat format | Llama 3.1 (its chat template is in the file; tool calls in Llama 3.1's JSON format) |
| File | ${basename(modelFile)}, ${r.config.export?.type ?? "F16"}, ${(bytes / 1e6).toFixed(1)} MB |
| SHA-256 | \`${sha}\` |
| Licence | MIT (like the code). Training data: public domain and MIT, below. |

## Training data

- **King James Bible** from Debian's \`bible-kjv-text\` package (4.38). Licence: public domain — the package's copyright file states "The copyright for the King James Version text of the Bible is expired since the translation was done in 1611". ${n(r.build.train.kjvTokens)} training tokens; the books of Ruth, Jonah, Titus and Philemon and every 40th chapter are held out.
- **Synthetic conversations** generated by \`src/train/data/\` (seeded, deterministic), rendered with the Llama 3.1 chat template: arithmetic (sums and differences of numbers from 1 to 10, products from 2 × 2 to 9 × 9: 209 items), country facts (capital, continent, currency, main language of 40 well-known countries from the npm package \`countries-list\` 3.4.1, MIT: 160 facts), unit conversions (9 unit pairs both ways, 1–5 units: 90 items), and tool use (5 tools: calls, answers from tool results, and prompts where offered tools are not needed). Every item keeps one phrasing for the test split and one for validation; training sees only its other phrasings. ${n(r.build.train.chatTokens)} training tokens.
- Only the assistant replies (with their end token) are training targets in conversations; every KJV token is a target. ${n(r.build.train.tokens)} tokens in all, ${n(r.build.train.targetTokens)} of them targets.

## Training

| | |
|---|---|
| Steps | ${n(t.steps)} × ${t.batchSize} sequences × ${t.seqLen} tokens${t.gradAccum > 1 ? ` × ${t.gradAccum} accumulated` : ""} = ${n(tokensSeen)} tokens (${(tokensSeen / r.build.train.tokens).toFixed(2)} epochs) |
| Optimizer | AdamW (β ${t.beta1}/${t.beta2}, weight decay ${t.weightDecay}), learning rate ${t.lr} with ${t.warmupSteps} warmup steps and cosine decay to ${t.minLr}, gradient clipping at ${t.gradClip}, seed ${t.seed} |
| Time | ${minutes(r.train.elapsedS)} of training on ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}); whole recipe including data and evaluation is one command |
| Throughput | ${n(Math.round(r.train.tokensPerS))} tokens/s, ${r.train.gflops.toFixed(1)} GFLOP/s (WebAssembly SIMD sgemm on ${threads} threads) |
| Final training loss | ${lastTrain.toFixed(3)} (mean of the last 50 steps) |

![loss curve](llama-ts-default-loss.svg)

## Evaluation (held out)

| Measure | Value |
|---|---|
| Validation loss per target token (chat replies + held-out KJV) | ${ev.validationLoss.toFixed(3)} (perplexity ${ev.validationPerplexity.toFixed(2)}, ${n(ev.validationTargets)} targets) |
| Held-out KJV books, perplexity per token (${t.seqLen}-token windows) | ${ev.kjvPerplexity.toFixed(2)} (loss ${ev.kjvLoss.toFixed(3)}, ${n(ev.kjvTokens)} tokens) |
| Exact answers on arithmetic, facts and conversion prompts (target ≥ ${pct(TARGETS.answers)}) | ${pct(ev.answerAccuracy)} — ${meets(ev.answerAccuracy, TARGETS.answers)} the target |
| Tool-call prompts answered with a valid call to the right tool (target ≥ ${pct(TARGETS.toolCalls)}) | ${pct(ev.toolCallAccuracy)} — ${meets(ev.toolCallAccuracy, TARGETS.toolCalls)} the target |

Per family, ${ev.tasks.overall.total} held-out prompts answered greedily by the engine from the GGUF file (\`llama-ts eval-tasks -m models/llama-ts-default.gguf --tasks .cache/default-model/tasks-test.json\` reproduces it):

| Family | Prompts | Correct | Accuracy | Exact arguments |
|---|---|---|---|---|
${taskRows}
| all | ${ev.tasks.overall.total} | ${ev.tasks.overall.correct} | ${pct(ev.tasks.overall.accuracy)} | |

An answer is correct when it equals the expected one after trimming, collapsing spaces, dropping a final period and ignoring case; a tool call when it parses as a call to the right tool with arguments valid against the tool's schema.

## Samples (greedy)

${ev.samples.map((x) => `**${x.prompt}**\n\n${fence}\n${x.reply.trim()}\n${fence}`).join("\n\n")}

## Limits

- A few million parameters trained on a few million tokens: it knows only what the data above holds, in the phrasings it saw and nearby ones. Outside that it produces fluent-looking nonsense; it will confidently answer questions it cannot know.
- English only. Context ${s.nCtx} tokens: long conversations or many tool schemas overflow it (llama.ts then reports an error rather than truncating).
- The facts are a snapshot of \`countries-list\`; the tools are examples, and their results in training were invented.
- Not for any decision that matters; no safety tuning.

## Reproduce

${fence}sh
npm ci
npm run train:default     # ≈ ${Math.ceil((r.train.elapsedS + ev.evalSeconds) / 60) + 2} min here; re-run to resume after an interruption
${fence}

The recipe is in \`src/train/default-recipe.ts\`; every stage is seeded, so the same machine type gives the same file.
`;
  await writeFile(`${path}.tmp`, card);
  await rename(`${path}.tmp`, path);
}
