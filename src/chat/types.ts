// Chat data in OpenAI's shapes: messages (with tool calls and tool results), tool definitions and
// parsed tool calls. Templates, ChatSession, the CLI and the server all speak these types.

/** A JSON Schema document (the subset src/grammar/json-schema.ts compiles). */
export type JsonSchema = { [key: string]: unknown } | boolean;

export type ChatRole = "system" | "user" | "assistant" | "tool" | "ipython";

/** OpenAI content parts; only text parts are supported. */
export interface ChatContentPart {
  type: string;
  text?: string;
}

/** A tool call inside an assistant message (OpenAI shape; `arguments` is a JSON string or an object). */
export interface ChatToolCall {
  id?: string;
  type?: "function";
  function: { name: string; arguments: string | Record<string, unknown> };
}

export interface ChatMessage {
  role: ChatRole;
  content?: string | ChatContentPart[] | Record<string, unknown> | null;
  tool_calls?: ChatToolCall[];
  /** For role "tool": the id of the call this result answers. */
  tool_call_id?: string;
  name?: string;
}

/** An OpenAI function tool. Functions named brave_search, wolfram_alpha or code_interpreter are Llama 3.1's built-in tools. */
export interface ToolDefinition {
  type: "function";
  function: {
    name: string;
    description?: string;
    parameters?: JsonSchema;
    strict?: boolean;
  };
}

/** A tool call parsed from model output; `arguments` is a JSON text (OpenAI's convention). */
export interface ParsedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type ToolChoice = "auto" | "none" | "required" | { name: string };
