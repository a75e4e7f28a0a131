// Seeded synthetic chat conversations for the embedded model's tasks: arithmetic, country facts,
// unit conversions, tool calls (Llama 3.1 JSON custom tools), answers from a tool's result, and
// plain answers while tools are offered.
//
// Held-out split: every item (a sum, a fact, a conversion, a tool request) has one phrasing
// template reserved for test and another for validation, chosen by a hash of the item; training
// uses only its other templates. So a test prompt is a (template, item) pair never generated for
// training, while the item itself (e.g. "the capital of Peru") does appear in training under other
// phrasings — the test measures recall under new wording, not knowledge never taught.

import type { ChatMessage, ToolDefinition } from "../../chat/types.js";
import type { ExpectedReply, TaskExample, TaskFamily } from "../../eval/task-example.js";
import { TASK_FAMILIES } from "../../eval/task-example.js";
import { SeededRandom } from "../../synth/seeded-random.js";
import { COUNTRY_FACTS, FACT_RELATIONS, QA_COUNTRY_FACTS, type FactRelation } from "./facts.js";
import { randomToolRequest, randomToolResult, TOOL_NAMES, TOOL_REQUEST_TEMPLATES, TOOLS, type ToolName, type ToolRequest } from "./tools.js";

/** "Today Date" of every rendered conversation, so the data (and the prompts at evaluation) never depend on the clock. */
export const CHAT_DATA_DATE = new Date(2024, 6, 26);

export type DataSplit = "train" | "validation" | "test";

export interface SyntheticConversation {
  id: string;
  family: TaskFamily;
  split: DataSplit;
  /** The whole conversation, assistant replies included. */
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /** The last assistant reply, as the evaluation checks it. */
  expected: ExpectedReply;
}

export class SyntheticDataError extends Error {
  override name = "SyntheticDataError";
}

/** A question with one exact answer, in several phrasings. */
interface QaItem {
  key: string;
  templates: readonly string[];
  slots: Record<string, string>;
  answer: string;
}

const ARITHMETIC_TEMPLATES = {
  add: ["What is {a} + {b}?", "What is {a} plus {b}?", "Calculate {a} + {b}.", "{a} + {b} = ?", "What is the sum of {a} and {b}?", "How much is {a} plus {b}?", "Compute {a}+{b}.", "Add {a} and {b}."],
  sub: ["What is {a} - {b}?", "What is {a} minus {b}?", "Calculate {a} - {b}.", "{a} - {b} = ?", "Subtract {b} from {a}.", "How much is {a} minus {b}?", "Compute {a}-{b}.", "Take {b} away from {a}."],
  mul: ["What is {a} × {b}?", "What is {a} times {b}?", "Calculate {a} * {b}.", "{a} x {b} = ?", "Multiply {a} by {b}.", "How much is {a} times {b}?", "Compute {a}*{b}.", "What is the product of {a} and {b}?"],
} as const;

const FACT_TEMPLATES: Readonly<Record<FactRelation, readonly string[]>> = {
  capital: ["What is the capital of {c}?", "What's the capital city of {c}?", "Name the capital of {c}.", "Which city is the capital of {c}?", "Tell me the capital of {c}.", "Capital of {c}?", "Do you know the capital of {c}?"],
  continent: ["Which continent is {c} in?", "On what continent is {c}?", "What continent does {c} belong to?", "{c} is on which continent?", "Tell me the continent of {c}.", "In which continent would I find {c}?", "Name the continent where {c} lies."],
  currency: ["What currency is used in {c}?", "What is the currency of {c}?", "Which money do people use in {c}?", "Name the currency of {c}.", "What do people pay with in {c}?", "Tell me the official currency of {c}.", "{c} uses which currency?"],
  language: ["What language is spoken in {c}?", "What is the main language of {c}?", "Which language do people speak in {c}?", "Name the main language of {c}.", "What do people speak in {c}?", "Tell me the language of {c}.", "{c} speaks which language?"],
};

// Short answers: the fact itself, as a small model can learn to give it reliably.
const FACT_ANSWERS: Readonly<Record<FactRelation, (c: (typeof COUNTRY_FACTS)[number]) => string>> = {
  capital: (c) => `${c.capital}.`,
  continent: (c) => `${c.continent}.`,
  currency: (c) => `The ${c.currency}.`,
  language: (c) => `${c.language}.`,
};

/** [larger unit, smaller unit, how many smaller per larger] with singular and plural names. */
const UNIT_PAIRS: readonly [[string, string], [string, string], number][] = [
  [["kilometer", "kilometers"], ["meter", "meters"], 1000],
  [["meter", "meters"], ["centimeter", "centimeters"], 100],
  [["kilogram", "kilograms"], ["gram", "grams"], 1000],
  [["liter", "liters"], ["milliliter", "milliliters"], 1000],
  [["hour", "hours"], ["minute", "minutes"], 60],
  [["minute", "minutes"], ["second", "seconds"], 60],
  [["day", "days"], ["hour", "hours"], 24],
  [["week", "weeks"], ["day", "days"], 7],
  [["year", "years"], ["month", "months"], 12],
];
const CONVERSION_TEMPLATES = [
  "How many {B} are in {n} {A}?", "Convert {n} {A} to {B}.", "What is {n} {A} in {B}?", "{n} {A} is how many {B}?",
  "How many {B} is {n} {A}?", "Express {n} {A} in {B}.", "Tell me how many {B} there are in {n} {A}.",
];

const SYSTEM_PROMPTS = ["You are a helpful assistant.", "You are a concise assistant. Answer in one sentence.", "Answer the user's question."];

export const DEFAULT_FAMILY_WEIGHTS: Readonly<Record<TaskFamily, number>> = {
  arithmetic: 0.25, facts: 0.25, conversion: 0.12, tool_call: 0.18, tool_answer: 0.11, no_tool: 0.09,
};

/** FNV-1a: the split of an item must not depend on the generator's seed. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Index of the template an item uses in a split; training draws among the templates not held out. */
export function templateIndex(key: string, nTemplates: number, split: DataSplit, rng: SeededRandom): number {
  if (nTemplates < 3) throw new SyntheticDataError(`"${key}" has ${nTemplates} templates; the split needs at least 3`);
  const test = hash32(key) % nTemplates;
  const validation = (test + 1) % nTemplates;
  if (split === "test") return test;
  if (split === "validation") return validation;
  const i = rng.nextU32() % (nTemplates - 2); // skip the two held-out indices
  return (test + 2 + i) % nTemplates;
}

const fill = (template: string, slots: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, k: string) => {
  const v = slots[k];
  if (v === undefined) throw new SyntheticDataError(`Template ${JSON.stringify(template)} has no value for {${k}}`);
  return v;
});

const pick = <T>(rng: SeededRandom, xs: readonly T[]): T => xs[rng.nextU32() % xs.length]!;

/** Small operands (sums and differences of numbers up to 10, products up to 9 × 9): a universe of 209 items. */
function randomArithmetic(rng: SeededRandom): QaItem {
  const r = rng.nextFloat();
  if (r < 0.3) {
    const a = 2 + (rng.nextU32() % 8);
    const b = 2 + (rng.nextU32() % 8);
    return { key: `mul:${a}:${b}`, templates: ARITHMETIC_TEMPLATES.mul, slots: { a: `${a}`, b: `${b}` }, answer: `${a * b}.` };
  }
  if (r < 0.65) {
    const a = 1 + (rng.nextU32() % 10);
    const b = 1 + (rng.nextU32() % 10);
    return { key: `add:${a}:${b}`, templates: ARITHMETIC_TEMPLATES.add, slots: { a: `${a}`, b: `${b}` }, answer: `${a + b}.` };
  }
  const a = 2 + (rng.nextU32() % 9);
  const b = 1 + (rng.nextU32() % (a - 1)); // no negative or zero results
  return { key: `sub:${a}:${b}`, templates: ARITHMETIC_TEMPLATES.sub, slots: { a: `${a}`, b: `${b}` }, answer: `${a - b}.` };
}

function randomFact(rng: SeededRandom): QaItem {
  const c = pick(rng, QA_COUNTRY_FACTS);
  const rel = pick(rng, FACT_RELATIONS);
  return { key: `${rel}:${c.country}`, templates: FACT_TEMPLATES[rel], slots: { c: c.country }, answer: FACT_ANSWERS[rel](c) };
}

function randomConversion(rng: SeededRandom): QaItem {
  const [big, small, factor] = pick(rng, UNIT_PAIRS);
  const n = 1 + (rng.nextU32() % 5);
  const name = (u: [string, string], k: number) => (k === 1 ? u[0] : u[1]);
  const down = rng.nextFloat() < 0.5;
  const [from, to, x, y] = down ? [big, small, n, n * factor] : [small, big, n * factor, n];
  return {
    key: `conv:${from[1]}:${to[1]}:${x}`,
    templates: CONVERSION_TEMPLATES,
    slots: { n: `${x}`, A: name(from, x), B: to[1] },
    answer: `${y} ${name(to, y)}.`,
  };
}

const QA_FAMILIES = { arithmetic: randomArithmetic, facts: randomFact, conversion: randomConversion } as const;
type QaFamily = keyof typeof QA_FAMILIES;

function randomQa(rng: SeededRandom, family?: QaFamily): QaItem {
  return QA_FAMILIES[family ?? pick(rng, Object.keys(QA_FAMILIES) as QaFamily[])](rng);
}

/** 1–2 tools in random order, including `must` when given (each schema costs ~100 tokens of context). */
function offeredTools(rng: SeededRandom, must?: ToolName): ToolDefinition[] {
  const n = 1 + (rng.nextU32() % 2);
  const names = new Set<ToolName>(must ? [must] : []);
  while (names.size < n) names.add(pick(rng, TOOL_NAMES));
  const list = [...names];
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.nextU32() % (i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list.map((t) => TOOLS[t]);
}

function toolRequestText(req: ToolRequest, split: DataSplit, rng: SeededRandom): { key: string; text: string } {
  const templates = TOOL_REQUEST_TEMPLATES[req.tool];
  const key = `${req.tool}:${JSON.stringify(req.arguments)}`;
  return { key, text: fill(templates[templateIndex(key, templates.length, split, rng)]!, req.slots) };
}

function qaText(item: QaItem, split: DataSplit, rng: SeededRandom): string {
  return fill(item.templates[templateIndex(item.key, item.templates.length, split, rng)]!, item.slots);
}

/** One conversation of a family; `promptKey` identifies the held-out (template, item) pair. */
function conversation(family: TaskFamily, split: DataSplit, rng: SeededRandom, n: number): { conv: Omit<SyntheticConversation, "id" | "split">; promptKey: string } {
  const messages: ChatMessage[] = [];
  if (rng.nextFloat() < 0.3) messages.push({ role: "system", content: pick(rng, SYSTEM_PROMPTS) });
  // Training conversations often open with earlier exchanges: replies are learned after history
  // too, and one rendered system block then carries several answers (a question-answer exchange
  // is ~20 tokens; the block Llama 3.1's template puts before every conversation is ~30).
  const qa = family === "arithmetic" || family === "facts" || family === "conversion";
  const earlierTurns = split !== "train" ? 0 : qa ? (rng.nextFloat() < 0.25 ? 0 : 1 + (rng.nextU32() % 6)) : rng.nextFloat() < 0.2 ? 1 : 0;
  for (let i = 0; i < earlierTurns; i++) {
    const earlier = randomQa(rng);
    messages.push({ role: "user", content: qaText(earlier, split, rng) }, { role: "assistant", content: earlier.answer });
  }
  if (family === "arithmetic" || family === "facts" || family === "conversion" || family === "no_tool") {
    const item = randomQa(rng, family === "no_tool" ? undefined : family);
    const text = qaText(item, split, rng);
    messages.push({ role: "user", content: text }, { role: "assistant", content: item.answer });
    const tools = family === "no_tool" ? offeredTools(rng) : undefined;
    return { conv: { family, messages, ...(tools && { tools }), expected: { answer: item.answer } }, promptKey: `${family}|${text}` };
  }
  const req = randomToolRequest(rng, pick(rng, TOOL_NAMES));
  const tools = offeredTools(rng, req.tool);
  const { text } = toolRequestText(req, split, rng);
  const callId = `call_${n}`;
  messages.push({ role: "user", content: text });
  messages.push({ role: "assistant", content: null, tool_calls: [{ id: callId, type: "function", function: { name: req.tool, arguments: req.arguments } }] });
  if (family === "tool_call") {
    return { conv: { family, messages, tools, expected: { tool: req.tool, arguments: req.arguments } }, promptKey: `${family}|${text}` };
  }
  const { result, answer } = randomToolResult(rng, req);
  messages.push({ role: "tool", tool_call_id: callId, content: result }, { role: "assistant", content: answer });
  return { conv: { family, messages, tools, expected: { answer } }, promptKey: `${family}|${text}|${result}` };
}

export interface GenerateOptions {
  split: DataSplit;
  count: number;
  /** Default 1; the same seed, split and count give the same conversations. */
  seed?: number;
  /** Relative weights of the families (default DEFAULT_FAMILY_WEIGHTS). */
  familyWeights?: Partial<Record<TaskFamily, number>>;
}

/** Conversations of one split; validation and test ones are distinct prompts (no duplicates). */
export function generateConversations(opts: GenerateOptions): SyntheticConversation[] {
  const { split, count } = opts;
  if (!Number.isInteger(count) || count < 0) throw new SyntheticDataError(`count must be a non-negative integer, got ${count}`);
  const weights = TASK_FAMILIES.map((f) => opts.familyWeights?.[f] ?? DEFAULT_FAMILY_WEIGHTS[f]);
  if (weights.some((w) => !(w >= 0)) || weights.every((w) => w === 0)) throw new SyntheticDataError("familyWeights must be non-negative with at least one above 0");
  const total = weights.reduce((a, b) => a + b, 0);
  // Different streams per split: the same seed must not make validation a copy of training's draws.
  const rng = new SeededRandom(hash32(`${split}:${opts.seed ?? 1}`));
  const seen = new Set<string>();
  const out: SyntheticConversation[] = [];
  let attempts = 0;
  while (out.length < count) {
    if (++attempts > count * 50 + 1000) throw new SyntheticDataError(`Could not draw ${count} distinct ${split} conversations (got ${out.length}); lower the count`);
    let r = rng.nextFloat() * total;
    let fi = 0;
    while (fi < weights.length - 1 && r >= weights[fi]!) r -= weights[fi++]!;
    const { conv, promptKey } = conversation(TASK_FAMILIES[fi]!, split, rng, out.length);
    if (split !== "train") {
      if (seen.has(promptKey)) continue;
      seen.add(promptKey);
    }
    out.push({ id: `${split}-${out.length}`, split, ...conv });
  }
  return out;
}

/** The prompt and expected reply of a conversation's last assistant turn. */
export function toTaskExample(conv: SyntheticConversation): TaskExample {
  const last = conv.messages.length - 1;
  if (conv.messages[last]?.role !== "assistant") throw new SyntheticDataError(`Conversation ${conv.id} does not end with an assistant reply`);
  return { id: conv.id, family: conv.family, messages: conv.messages.slice(0, last), ...(conv.tools && { tools: conv.tools }), expected: conv.expected };
}
