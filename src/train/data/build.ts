// Token datasets for the embedded model: KJV chapters (plain text, BOS first, every token a target)
// mixed with synthetic chat conversations rendered by the Llama 3.1 chat template (only the
// assistant's replies, with their <|eot_id|>/<|eom_id|>, are targets). Each reply is tokenized
// apart from the prompt before it, exactly as at inference, where the prompt ends at the open
// assistant header and the model writes the rest. Also writes the held-out task prompts.

import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderChat, type ChatModelLike } from "../../chat/template.js";
import type { TaskExample, TaskFamily } from "../../eval/task-example.js";
import { TASK_FAMILIES } from "../../eval/task-example.js";
import { SeededRandom } from "../../synth/seeded-random.js";
import type { Tokenizer } from "../../tokenizer/tokenizer.js";
import { buildDataset, writeDataset, type TokenDataset } from "../dataset.js";
import { loadKjv, type KjvChapter } from "./kjv.js";
import { CHAT_DATA_DATE, generateConversations, hash32, toTaskExample, type SyntheticConversation } from "./synthetic.js";

export interface TokenDoc {
  tokens: number[];
  mask: number[];
}

function chatModel(tokenizer: Tokenizer): ChatModelLike {
  return { tokenizer, header: { metadata: new Map() } };
}

/**
 * The "Today Date" a training conversation is rendered with: spread over 2024–2027 by a hash of
 * its id, so the model does not come to depend on one date (chat and serve print the real one).
 * Held-out prompts keep CHAT_DATA_DATE, which evaluation uses.
 */
export function conversationDate(conv: SyntheticConversation): Date {
  if (conv.split !== "train") return CHAT_DATA_DATE;
  const d = new Date(2024, 0, 1);
  d.setDate(d.getDate() + (hash32(`date:${conv.id}`) % 1461));
  return d;
}

function render(tokenizer: Tokenizer, conv: SyntheticConversation, upTo: number, addGenerationPrompt: boolean): string {
  return renderChat(chatModel(tokenizer), conv.messages.slice(0, upTo), {
    template: "llama3.1",
    date: conversationDate(conv),
    addGenerationPrompt,
    ...(conv.tools && { tools: conv.tools }),
  }).prompt;
}

/** A conversation's tokens, with mask 1 exactly on the assistant replies (end token included). */
export function tokenizeConversation(tokenizer: Tokenizer, conv: SyntheticConversation): TokenDoc {
  const tokens: number[] = [];
  const mask: number[] = [];
  let done = ""; // rendered text already tokenized
  const push = (text: string, target: 0 | 1) => {
    const ids = tokenizer.encode(text, { addSpecial: tokens.length === 0, parseSpecial: true });
    for (const id of ids) {
      tokens.push(id);
      mask.push(target);
    }
  };
  conv.messages.forEach((m, i) => {
    if (m.role !== "assistant") return;
    const prompt = render(tokenizer, conv, i, true);
    const full = render(tokenizer, conv, i + 1, false);
    if (!prompt.startsWith(done) || !full.startsWith(prompt)) {
      throw new Error(`Conversation ${conv.id}: the rendering of message ${i} does not extend the one before it`);
    }
    push(prompt.slice(done.length), 0);
    push(full.slice(prompt.length), 1);
    done = full;
  });
  const rest = render(tokenizer, conv, conv.messages.length, false).slice(done.length);
  if (rest) push(rest, 0);
  return { tokens, mask };
}

/** A plain-text document: BOS, then the text; every token is a target. */
export function tokenizePlainText(tokenizer: Tokenizer, text: string): TokenDoc {
  const tokens = tokenizer.encode(text, { addSpecial: false, parseSpecial: false });
  if (tokenizer.bos !== undefined) tokens.unshift(tokenizer.bos);
  return { tokens, mask: tokens.map(() => 1) };
}

const SPECIAL_TEXT = /<\|[a-z0-9_]+\|>/g;

/**
 * Texts to train the tokenizer on: KJV training chapters, then rendered training conversations
 * cut at their special-token texts (those become control tokens, never merges).
 */
export function* tokenizerTrainingTexts(opts: { kjv: readonly KjvChapter[]; conversations: readonly SyntheticConversation[] }): Generator<string> {
  for (const c of opts.kjv) yield c.text;
  const plain: ChatModelLike = { tokenizer: { bos: undefined, eos: undefined, addBos: false, addEos: false } as unknown as Tokenizer, header: { metadata: new Map() } };
  for (const conv of opts.conversations) {
    const text = renderChat(plain, conv.messages, { template: "llama3.1", date: CHAT_DATA_DATE, addGenerationPrompt: false, ...(conv.tools && { tools: conv.tools }) }).prompt;
    for (const piece of text.split(SPECIAL_TEXT)) if (piece) yield piece;
  }
}

export interface BuildDatasetsOptions {
  tokenizer: Tokenizer;
  /** Where train.ltds, validation.ltds, tasks-validation.json and tasks-test.json go. */
  outDir: string;
  /** KJV chapters; default: loadKjv(kjvCacheDir). */
  kjv?: { train: readonly KjvChapter[]; validation: readonly KjvChapter[] };
  /** Default ".cache/data/kjv". */
  kjvCacheDir?: string;
  /** Default 50 000. */
  trainConversations?: number;
  /** Validation conversations (in validation.ltds and tasks-validation.json); default 1 000. */
  validationConversations?: number;
  /** Test prompts (tasks-test.json only); default 1 000. */
  testConversations?: number;
  /** Share of the training tokens that are KJV text (0..1, default 0.3); limited by the KJV's size. */
  kjvShare?: number;
  seed?: number;
  familyWeights?: Partial<Record<TaskFamily, number>>;
}

export interface SplitStats {
  documents: number;
  tokens: number;
  /** Tokens with mask 1. */
  targetTokens: number;
  kjvTokens: number;
  chatTokens: number;
  /** Chat tokens (all, and targets) per task family. */
  families: Record<TaskFamily, { conversations: number; tokens: number; targetTokens: number }>;
  /** Longest document, in tokens (the context a trainer needs to see one whole). */
  maxDocumentTokens: number;
}

export interface BuildReport {
  train: SplitStats;
  validation: SplitStats;
  testExamples: number;
  files: { train: string; validation: string; validationTasks: string; testTasks: string };
}

function emptyStats(): SplitStats {
  const families = Object.fromEntries(TASK_FAMILIES.map((f) => [f, { conversations: 0, tokens: 0, targetTokens: 0 }])) as SplitStats["families"];
  return { documents: 0, tokens: 0, targetTokens: 0, kjvTokens: 0, chatTokens: 0, families, maxDocumentTokens: 0 };
}

function count(stats: SplitStats, doc: TokenDoc, family?: TaskFamily): void {
  const targets = doc.mask.reduce((a, b) => a + b, 0);
  stats.documents++;
  stats.tokens += doc.tokens.length;
  stats.targetTokens += targets;
  stats.maxDocumentTokens = Math.max(stats.maxDocumentTokens, doc.tokens.length);
  if (family) {
    stats.chatTokens += doc.tokens.length;
    const f = stats.families[family];
    f.conversations++;
    f.tokens += doc.tokens.length;
    f.targetTokens += targets;
  } else stats.kjvTokens += doc.tokens.length;
}

/** Chat and KJV documents in one seeded order, so any contiguous stretch of the file is a mix. */
function shuffled<T>(items: T[], seed: number): T[] {
  const rng = new SeededRandom(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextU32() % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function splitDataset(tokenizer: Tokenizer, conversations: readonly SyntheticConversation[], kjv: readonly KjvChapter[], kjvShare: number | undefined, seed: number): { ds: TokenDataset; stats: SplitStats } {
  const stats = emptyStats();
  const docs: TokenDoc[] = [];
  for (const conv of conversations) {
    const doc = tokenizeConversation(tokenizer, conv);
    count(stats, doc, conv.family);
    docs.push(doc);
  }
  // KJV chapters in a seeded order until the share is reached (all of them when kjvShare is undefined).
  const wantKjv = kjvShare === undefined ? Infinity : kjvShare >= 1 ? Infinity : (stats.chatTokens * kjvShare) / (1 - kjvShare);
  for (const c of shuffled([...kjv], seed)) {
    if (stats.kjvTokens >= wantKjv) break;
    const doc = tokenizePlainText(tokenizer, c.text);
    count(stats, doc);
    docs.push(doc);
  }
  return { ds: buildDataset(tokenizer.nVocab, shuffled(docs, seed + 1)), stats };
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value, null, 1) + "\n");
  await rename(tmp, path);
}

export async function buildDatasets(opts: BuildDatasetsOptions): Promise<BuildReport> {
  const share = opts.kjvShare ?? 0.3;
  if (!(share >= 0 && share <= 1)) throw new RangeError(`kjvShare must be within 0..1, got ${opts.kjvShare}`);
  const seed = opts.seed ?? 1;
  const kjv = opts.kjv ?? (await loadKjv(opts.kjvCacheDir ?? join(".cache", "data", "kjv")));
  const gen = (split: "train" | "validation" | "test", n: number) =>
    generateConversations({ split, count: n, seed, ...(opts.familyWeights && { familyWeights: opts.familyWeights }) });
  const trainConvs = gen("train", opts.trainConversations ?? 50_000);
  const validationConvs = gen("validation", opts.validationConversations ?? 1_000);
  const testConvs = gen("test", opts.testConversations ?? 1_000);

  const train = splitDataset(opts.tokenizer, trainConvs, kjv.train, share, hash32(`train:${seed}`));
  const validation = splitDataset(opts.tokenizer, validationConvs, kjv.validation, undefined, hash32(`validation:${seed}`));

  await mkdir(opts.outDir, { recursive: true });
  const files = {
    train: join(opts.outDir, "train.ltds"),
    validation: join(opts.outDir, "validation.ltds"),
    validationTasks: join(opts.outDir, "tasks-validation.json"),
    testTasks: join(opts.outDir, "tasks-test.json"),
  };
  await writeDataset(files.train, train.ds);
  await writeDataset(files.validation, validation.ds);
  const tasks = (convs: SyntheticConversation[]): TaskExample[] => convs.map(toTaskExample);
  await writeJson(files.validationTasks, tasks(validationConvs));
  await writeJson(files.testTasks, tasks(testConvs));
  return { train: train.stats, validation: validation.stats, testExamples: testConvs.length, files };
}
