// Chat, tool calling and structured output: the API the CLI's `chat` command and the server use.
// renderChat (messages → prompt), createConstraint (response_format / grammar / tools → a
// token-level Constraint for GenerateOptions.constraint), parseToolCalls and ToolCallStream
// (reply → content + OpenAI tool_calls), and ChatSession (history + KV-cache reuse across turns).

export { renderChat, chatTemplateFor, normalizeMessages, BUILTIN_TOOLS } from "./template.js";
export type { RenderChatOptions, ChatModelLike } from "./template.js";
export { createConstraint, constraintGbnf, prepareConstraints } from "./constraint.js";
export type { ConstraintSpec } from "./constraint.js";
export type { Constraint } from "../grammar/constraint.js";
export { parseToolCalls, toolCallId, PYTHON_TAG } from "./tool-calls.js";
export { ToolCallStream } from "./tool-call-stream.js";
export type { ChatDelta, ToolCallDelta } from "./tool-call-stream.js";
export { toolCallGbnf, pythonTagId } from "./tool-grammar.js";
export type { ToolConstraintChoice } from "./tool-grammar.js";
export { ChatTemplateError } from "./errors.js";
export { GrammarError } from "../grammar/errors.js";
export { jsonSchemaToGbnf, jsonObjectGbnf } from "../grammar/json-schema.js";
export type { ChatMessage, ChatRole, ChatToolCall, ChatContentPart, ToolDefinition, ParsedToolCall, ToolChoice, JsonSchema } from "./types.js";
export { ChatSession } from "./session.js";
export type { ChatSessionOptions, ChatTurnResult, ContextPolicy, SavedChat, TurnOptions } from "./session.js";
