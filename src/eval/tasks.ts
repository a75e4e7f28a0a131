// Scores a model's replies to held-out task prompts. Answer families (arithmetic, facts,
// conversions, answers from a tool result, plain answers while tools are offered) need the exact
// expected sentence after normalization (trimmed, spaces collapsed, no trailing period, any case).
// Tool-call prompts count as correct when the reply is a call to the right tool whose arguments
// satisfy that tool's JSON schema; whether the arguments are also exactly the expected ones is
// reported beside it.

import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import { parseToolCalls } from "../chat/tool-calls.js";
import type { ChatMessage, ToolDefinition } from "../chat/types.js";
import { TASK_FAMILIES, type TaskExample, type TaskFamily } from "./task-example.js";

export type TaskAnswer = string | { content: string; toolCalls: { name: string; arguments: unknown }[] };
export type TaskAnswerer = (messages: ChatMessage[], tools?: ToolDefinition[]) => Promise<TaskAnswer>;

export interface TaskResult {
  id: string;
  family: TaskFamily;
  correct: boolean;
  /** Tool-call prompts: a call to the right tool with schema-valid arguments. */
  validCall?: boolean;
  /** Tool-call prompts: and its arguments equal the expected ones. */
  exactArguments?: boolean;
  /** The reply as text (calls as JSON), for reports. */
  reply: string;
  /** Why it is wrong, in a few words. */
  reason?: string;
}

export interface FamilyScore {
  family: TaskFamily;
  total: number;
  correct: number;
  accuracy: number;
  /** Tool-call family only. */
  exactArguments?: number;
  exactArgumentRate?: number;
}

export interface TaskEvaluation {
  families: FamilyScore[];
  overall: { total: number; correct: number; accuracy: number };
  results: TaskResult[];
}

export class TaskEvalError extends Error {
  override name = "TaskEvalError";
}

/** The normal form answers are compared in. */
export function normalizeAnswer(s: string): string {
  return s.trim().replace(/\s+/g, " ").replace(/\.+$/, "").trim().toLowerCase();
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Checks the shape of task examples read from a file; throws naming the first bad one. */
export function validateTaskExamples(data: unknown, source = "tasks"): asserts data is TaskExample[] {
  if (!Array.isArray(data)) throw new TaskEvalError(`${source}: expected a JSON array of task examples`);
  data.forEach((e: Partial<TaskExample> | null, i) => {
    const where = `${source}[${i}]`;
    if (!e || typeof e !== "object") throw new TaskEvalError(`${where} is not an object`);
    if (!TASK_FAMILIES.includes(e.family as TaskFamily)) throw new TaskEvalError(`${where}.family must be one of ${TASK_FAMILIES.join(", ")}`);
    if (!Array.isArray(e.messages) || e.messages.length === 0) throw new TaskEvalError(`${where}.messages must be a non-empty array`);
    if (e.tools !== undefined && !Array.isArray(e.tools)) throw new TaskEvalError(`${where}.tools must be an array`);
    const x = e.expected as Record<string, unknown> | undefined;
    const ok = x && (typeof x.answer === "string" || (typeof x.tool === "string" && typeof x.arguments === "object" && x.arguments !== null));
    if (!ok) throw new TaskEvalError(`${where}.expected must be {"answer": "..."} or {"tool": "...", "arguments": {...}}`);
  });
}

function asCalls(answer: TaskAnswer, tools: readonly ToolDefinition[] | undefined): { content: string; calls: { name: string; arguments: unknown }[] } {
  if (typeof answer === "string") {
    if (!tools || tools.length === 0) return { content: answer, calls: [] };
    const parsed = parseToolCalls(answer, tools);
    return { content: parsed.content, calls: parsed.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })) };
  }
  return { content: answer.content, calls: answer.toolCalls };
}

function parseArgs(args: unknown): unknown {
  if (typeof args !== "string") return args;
  try {
    return JSON.parse(args);
  } catch {
    return undefined;
  }
}

export async function evaluateTasks(
  examples: readonly TaskExample[],
  answer: TaskAnswerer,
  opts: { onResult?: (r: TaskResult, done: number, total: number) => void } = {},
): Promise<TaskEvaluation> {
  const ajv = new Ajv2020({ strict: false });
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (tool: ToolDefinition): ValidateFunction => {
    const key = JSON.stringify(tool.function.parameters ?? {});
    let v = validators.get(key);
    if (!v) validators.set(key, (v = ajv.compile(tool.function.parameters ?? {})));
    return v;
  };

  const results: TaskResult[] = [];
  for (const ex of examples) {
    const reply = asCalls(await answer(structuredClone(ex.messages), ex.tools && structuredClone(ex.tools)), ex.tools);
    const replyText = reply.calls.length > 0 ? reply.calls.map((c) => JSON.stringify({ name: c.name, arguments: parseArgs(c.arguments) ?? c.arguments })).join("; ") : reply.content;
    const r: TaskResult = { id: ex.id, family: ex.family, correct: false, reply: replyText };
    if ("answer" in ex.expected) {
      if (reply.calls.length > 0) r.reason = "called a tool";
      else if (normalizeAnswer(reply.content) !== normalizeAnswer(ex.expected.answer)) r.reason = "wrong answer";
      else r.correct = true;
    } else {
      const want = ex.expected;
      const call = reply.calls[0];
      const tool = ex.tools?.find((t) => t.function.name === want.tool);
      if (!tool) throw new TaskEvalError(`Example ${ex.id} expects a call to "${want.tool}" but does not offer that tool`);
      const args = call && parseArgs(call.arguments);
      if (!call) r.reason = "no tool call";
      else if (call.name !== want.tool) r.reason = `called ${call.name}`;
      else if (args === undefined || !validatorFor(tool)(args)) r.reason = "arguments fail the schema";
      else r.correct = true;
      r.validCall = r.correct;
      r.exactArguments = r.correct && sameJson(args, want.arguments);
      if (r.correct && !r.exactArguments) r.reason = "other arguments";
    }
    results.push(r);
    opts.onResult?.(r, results.length, examples.length);
  }

  const families: FamilyScore[] = [];
  for (const family of TASK_FAMILIES) {
    const rs = results.filter((r) => r.family === family);
    if (rs.length === 0) continue;
    const correct = rs.filter((r) => r.correct).length;
    const score: FamilyScore = { family, total: rs.length, correct, accuracy: correct / rs.length };
    if (family === "tool_call") {
      score.exactArguments = rs.filter((r) => r.exactArguments).length;
      score.exactArgumentRate = score.exactArguments / rs.length;
    }
    families.push(score);
  }
  const correct = results.filter((r) => r.correct).length;
  return { families, overall: { total: results.length, correct, accuracy: results.length ? correct / results.length : 0 }, results };
}
