// Tool calls out of a Llama 3.1 reply: JSON calls `{"name": ..., "parameters": {...}}` (also
// "arguments", a leading `"type": "function"`, several separated by ";" or a JSON array), optionally
// after <|python_tag|>, and built-in calls `<|python_tag|>brave_search.call(query="...")` or code for
// code_interpreter. Arguments are returned as the JSON text the model wrote (OpenAI's convention).
// Reference: /work/shared/docs/llama-reference.md §5.5.

import { BUILTIN_TOOLS } from "./template.js";
import type { ParsedToolCall, ToolDefinition } from "./types.js";

export const PYTHON_TAG = "<|python_tag|>";

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A new OpenAI-style call id (Web Crypto, so it works in browsers too). */
export function toolCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "call_" + Array.from(bytes, (b) => ID_CHARS[b % ID_CHARS.length]).join("");
}

const isWs = (c: string | undefined) => c === " " || c === "\n" || c === "\t" || c === "\r";

export function skipWs(text: string, i: number): number {
  while (isWs(text[i])) i++;
  return i;
}

/**
 * End (exclusive) of the JSON value starting at `i`: -1 if the text ends before the value does,
 * -2 if it is not JSON. Only the structure is checked; JSON.parse does the rest.
 */
export function scanJsonValue(text: string, i: number): number {
  let depth = 0;
  let p = i;
  const n = text.length;
  if (p >= n) return -1;
  do {
    const c = text[p]!;
    if (c === '"') {
      p++;
      while (p < n && text[p] !== '"') p += text[p] === "\\" ? 2 : 1;
      if (p >= n) return -1;
      p++;
    } else if (c === "{" || c === "[") {
      depth++;
      p++;
    } else if (c === "}" || c === "]") {
      if (depth === 0) return -2;
      depth--;
      p++;
    } else if (isWs(c) || c === "," || c === ":") {
      if (depth === 0) return -2;
      p++;
    } else if (/[-0-9a-z.+E]/.test(c)) {
      const start = p;
      while (p < n && /[-0-9a-zA-Z.+]/.test(text[p]!)) p++;
      if (depth === 0) return p < n || /^(true|false|null)$/.test(text.slice(start, p)) ? p : -1;
    } else return -2;
  } while (depth > 0 && p < n);
  return depth > 0 ? -1 : p;
}

/** Members of the JSON object at `i` as [key, valueStart, valueEnd]; undefined if it is not a complete object. */
export function objectMembers(text: string, i: number): { members: [string, number, number][]; end: number } | undefined {
  if (text[i] !== "{") return undefined;
  const members: [string, number, number][] = [];
  let p = skipWs(text, i + 1);
  if (text[p] === "}") return { members, end: p + 1 };
  while (true) {
    const keyEnd = scanJsonValue(text, p);
    if (keyEnd < 0 || text[p] !== '"') return undefined;
    const key = JSON.parse(text.slice(p, keyEnd)) as string;
    p = skipWs(text, keyEnd);
    if (text[p] !== ":") return undefined;
    const v = skipWs(text, p + 1);
    const vEnd = scanJsonValue(text, v);
    if (vEnd < 0) return undefined;
    members.push([key, v, vEnd]);
    p = skipWs(text, vEnd);
    if (text[p] === "}") return { members, end: p + 1 };
    if (text[p] !== ",") return undefined;
    p = skipWs(text, p + 1);
  }
}

/** One JSON call object at `i` → the call and where it ends. */
function jsonCall(text: string, i: number, known: (name: string) => boolean): { call: ParsedToolCall; end: number } | undefined {
  const obj = objectMembers(text, i);
  if (!obj) return undefined;
  let name: string | undefined;
  let args = "{}";
  for (const [key, v, vEnd] of obj.members) {
    const raw = text.slice(v, vEnd);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return undefined;
    }
    if (key === "name" && typeof value === "string") name = value;
    else if (key === "parameters" || key === "arguments") {
      if (typeof value === "string") {
        try {
          JSON.parse(value); // some models write the arguments as a JSON string
          args = value;
        } catch {
          return undefined;
        }
      } else if (typeof value === "object" && value !== null && !Array.isArray(value)) args = raw;
      else return undefined;
    } else if (key === "type" && value === "function") continue;
    else return undefined;
  }
  if (name === undefined || !known(name)) return undefined;
  return { call: { id: toolCallId(), name, arguments: args }, end: obj.end };
}

/** Python-style keyword arguments `a="x", b=2` → a JSON object text. */
function pythonKwargs(src: string): string | undefined {
  const out: Record<string, unknown> = {};
  const re = /\s*([A-Za-z_]\w*)\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?|True|False|None)\s*(,|$)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < src.length && (m = re.exec(src)) !== null) {
    const v = m[2]!;
    out[m[1]!] =
      v.startsWith('"') || v.startsWith("'")
        ? v.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t" })[c] ?? c)
        : v === "True" ? true : v === "False" ? false : v === "None" ? null : Number(v);
    at = re.lastIndex;
  }
  return at >= src.trim().length || src.trim() === "" ? JSON.stringify(out) : undefined;
}

/** Text after the last call (a dangling ";" or "," and surrounding whitespace removed) is the reply's content. */
export function trailingContent(text: string, end: number): string {
  return text.slice(end).replace(/^\s*[;,]?\s*/, "").trimEnd();
}

/**
 * Splits a reply into content and tool calls. `tools`: the declared tools (a call naming another
 * tool is left as content); when empty, any name is accepted.
 */
export function parseToolCalls(text: string, tools: readonly ToolDefinition[] = []): { content: string; toolCalls: ParsedToolCall[] } {
  const names = new Set(tools.map((t) => t.function?.name));
  const known = (n: string) => names.size === 0 || names.has(n);
  const none = { content: text, toolCalls: [] };
  let i = skipWs(text, 0);
  let tagged = false;
  if (text.startsWith(PYTHON_TAG, i)) {
    tagged = true;
    i = skipWs(text, i + PYTHON_TAG.length);
  }
  const calls: ParsedToolCall[] = [];
  if (text[i] === "[") {
    // A JSON array of calls.
    let p = skipWs(text, i + 1);
    while (text[p] !== "]") {
      const c = jsonCall(text, p, known);
      if (!c) return none;
      calls.push(c.call);
      p = skipWs(text, c.end);
      if (text[p] === ",") p = skipWs(text, p + 1);
      else if (text[p] !== "]") return none;
    }
    return skipWs(text, p + 1) === text.length && calls.length > 0 ? { content: "", toolCalls: calls } : none;
  }
  if (text[i] === "{") {
    let p = i;
    let lastEnd = i;
    while (true) {
      const c = jsonCall(text, p, known);
      if (!c) break;
      calls.push(c.call);
      lastEnd = c.end;
      let q = skipWs(text, c.end);
      if (text[q] !== ";" && text[q] !== ",") break;
      q = skipWs(text, q + 1);
      if (text.startsWith(PYTHON_TAG, q)) q = skipWs(text, q + PYTHON_TAG.length);
      p = q;
    }
    return calls.length === 0 ? none : { content: trailingContent(text, lastEnd), toolCalls: calls };
  }
  if (!tagged) return none;
  const rest = text.slice(i).trimEnd();
  const builtin = /^([A-Za-z_]\w*)\.call\(([\s\S]*)\)$/.exec(rest);
  if (builtin && known(builtin[1]!) && BUILTIN_TOOLS.has(builtin[1]!)) {
    const args = pythonKwargs(builtin[2]!);
    if (args !== undefined) return { content: "", toolCalls: [{ id: toolCallId(), name: builtin[1]!, arguments: args }] };
  }
  if (known("code_interpreter") && (names.size === 0 || names.has("code_interpreter"))) {
    return { content: "", toolCalls: [{ id: toolCallId(), name: "code_interpreter", arguments: JSON.stringify({ code: rest }) }] };
  }
  return none;
}
