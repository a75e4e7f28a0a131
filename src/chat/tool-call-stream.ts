// Incremental tool-call parsing for streamed replies, emitting OpenAI chat.completion.chunk deltas:
// text that cannot start a call streams as `content`; a JSON call streams as one delta with the
// call's id and name (as soon as `{"name": "...", "parameters": ` has arrived) followed by
// `arguments` fragments as the model writes them. Anything irregular is held to the end and parsed
// whole. `finish()` returns the same content and calls parseToolCalls gives for the full text.

import { parseToolCalls, PYTHON_TAG, scanJsonValue, skipWs, toolCallId, trailingContent } from "./tool-calls.js";
import type { ParsedToolCall, ToolDefinition } from "./types.js";

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments?: string };
}

/** One OpenAI delta: content text or tool-call fragments. */
export interface ChatDelta {
  content?: string;
  tool_calls?: ToolCallDelta[];
}

// Up to the first character of the arguments value.
const HEADER = /^\s*(?:<\|python_tag\|>)?\s*\{\s*(?:"type"\s*:\s*"function"\s*,\s*)?"name"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"(?:parameters|arguments)"\s*:\s*(?=\S)/;

export class ToolCallStream {
  private buffer = "";
  private mode: "undecided" | "content" | "call" = "undecided";
  /** Calls whose header was streamed: their ids, and how much of the arguments went out. */
  private streamed: { id: string; name: string; argsStart: number; sent: number; done: boolean }[] = [];
  /** Where the next call may start in the buffer. */
  private nextCallAt = 0;
  private broken = false;
  private readonly names: Set<string>;

  constructor(private readonly tools: readonly ToolDefinition[]) {
    this.names = new Set(tools.map((t) => t.function?.name));
  }

  push(text: string): ChatDelta[] {
    if (text === "") return [];
    this.buffer += text;
    if (this.mode === "content") return [{ content: text }];
    if (this.mode === "undecided") {
      const i = skipWs(this.buffer, 0);
      if (i === this.buffer.length) return [];
      const rest = this.buffer.slice(i);
      const callLike = rest[0] === "{" || rest[0] === "[" || rest.startsWith(PYTHON_TAG);
      if (!callLike && PYTHON_TAG.startsWith(rest)) return []; // may still become <|python_tag|>
      if (!callLike) {
        this.mode = "content";
        return [{ content: this.buffer }];
      }
      this.mode = "call";
    }
    return this.advanceCalls();
  }

  private advanceCalls(): ChatDelta[] {
    const out: ChatDelta[] = [];
    while (!this.broken) {
      const cur = this.streamed.at(-1);
      if (!cur || cur.done) {
        // Expect the next call's header (after ";" for parallel calls).
        let at = this.nextCallAt;
        if (cur) {
          at = skipWs(this.buffer, at);
          if (at >= this.buffer.length) return out;
          if (this.buffer[at] !== ";" && this.buffer[at] !== ",") return (this.broken = true), out;
          at++;
        }
        const m = HEADER.exec(this.buffer.slice(at));
        if (!m) {
          // Not (yet) a header; give up on streaming once it cannot become one.
          if (this.buffer.length - at > 200 || /^\s*(<\|python_tag\|>)?\s*[^{<\s]/.test(this.buffer.slice(at))) this.broken = true;
          return out;
        }
        const name = JSON.parse(m[1]!) as string;
        if (this.names.size > 0 && !this.names.has(name)) return (this.broken = true), out;
        const call = { id: toolCallId(), name, argsStart: at + m[0].length, sent: at + m[0].length, done: false };
        this.streamed.push(call);
        out.push({ tool_calls: [{ index: this.streamed.length - 1, id: call.id, type: "function", function: { name, arguments: "" } }] });
        continue;
      }
      const end = scanJsonValue(this.buffer, cur.argsStart);
      if (end === -2) return (this.broken = true), out;
      const upTo = end === -1 ? this.buffer.length : end;
      if (upTo > cur.sent) {
        out.push({ tool_calls: [{ index: this.streamed.length - 1, function: { arguments: this.buffer.slice(cur.sent, upTo) } }] });
        cur.sent = upTo;
      }
      if (end === -1) return out;
      // Arguments complete: the call object must close.
      const close = skipWs(this.buffer, end);
      if (close >= this.buffer.length) return out;
      if (this.buffer[close] !== "}") return (this.broken = true), out;
      cur.done = true;
      this.nextCallAt = close + 1;
    }
    return out;
  }

  /** Ends the stream: the deltas not yet sent, and the parsed reply (ids match the streamed ones). */
  finish(): { deltas: ChatDelta[]; content: string; toolCalls: ParsedToolCall[] } {
    const parsed = parseToolCalls(this.buffer, this.tools);
    const deltas: ChatDelta[] = [];
    if (this.mode === "content") return { deltas, content: this.buffer, toolCalls: [] };
    if (this.streamed.length === 0) {
      // Nothing went out yet: send the whole outcome now.
      if (parsed.toolCalls.length === 0) {
        if (this.buffer) deltas.push({ content: this.buffer });
        return { deltas, content: this.buffer, toolCalls: [] };
      }
      parsed.toolCalls.forEach((c, index) => deltas.push({ tool_calls: [{ index, id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }] }));
      return { deltas, ...parsed };
    }
    // Calls went out while streaming; report them as sent (with the ids the client saw). Text
    // after the last finished call is content, as parseToolCalls has it.
    const calls = this.streamed.map((c) => {
      const end = scanJsonValue(this.buffer, c.argsStart);
      return { id: c.id, name: c.name, arguments: this.buffer.slice(c.argsStart, end > 0 ? end : this.buffer.length).trimEnd() };
    });
    const last = this.streamed.at(-1)!;
    const content = last.done ? trailingContent(this.buffer, this.nextCallAt) : "";
    if (content) deltas.push({ content });
    return { deltas, content, toolCalls: calls };
  }
}
