// Streaming a reply that may be a tool call. Text that cannot start a call streams as `content`
// at once; a reply that starts like a call (`{`, `[` or <|python_tag|>) is held and parsed whole
// by the chat module's parseToolCalls when generation ends, then sent as complete tool_call
// deltas (id, name and all arguments in one chunk, which OpenAI clients accept). Holding is
// simpler and safer than streaming argument fragments: nothing sent ever has to be taken back.

import { parseToolCalls, PYTHON_TAG, type ChatDelta, type ParsedToolCall, type ToolDefinition } from "../chat/index.js";

export class ToolReplyStream {
  private buffer = "";
  private mode: "undecided" | "content" | "call" = "undecided";

  constructor(private readonly tools: readonly ToolDefinition[]) {}

  push(text: string): ChatDelta[] {
    this.buffer += text;
    if (this.mode === "content") return text ? [{ content: text }] : [];
    if (this.mode === "call") return [];
    const start = this.buffer.trimStart();
    if (start === "" || PYTHON_TAG.startsWith(start)) return []; // may still become a call
    if (start[0] === "{" || start[0] === "[" || start.startsWith(PYTHON_TAG)) {
      this.mode = "call";
      return [];
    }
    this.mode = "content";
    return [{ content: this.buffer }];
  }

  /** The deltas still to send, and the reply as content plus parsed calls. */
  finish(): { deltas: ChatDelta[]; content: string; toolCalls: ParsedToolCall[] } {
    if (this.mode === "content") return { deltas: [], content: this.buffer, toolCalls: [] };
    const parsed = parseToolCalls(this.buffer, this.tools);
    const deltas: ChatDelta[] = [];
    if (parsed.content) deltas.push({ content: parsed.content });
    parsed.toolCalls.forEach((c, index) => deltas.push({ tool_calls: [{ index, id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }] }));
    return { deltas, ...parsed };
  }
}
