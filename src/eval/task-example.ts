// One held-out evaluation prompt: the conversation up to the reply the model must write, the
// tools it is offered, and what a correct reply is (an exact answer, or a call to one tool).

import type { ChatMessage, ToolDefinition } from "../chat/types.js";

export const TASK_FAMILIES = ["arithmetic", "facts", "conversion", "tool_call", "tool_answer", "no_tool"] as const;
export type TaskFamily = (typeof TASK_FAMILIES)[number];

export type ExpectedReply = { answer: string } | { tool: string; arguments: Record<string, unknown> };

export interface TaskExample {
  id: string;
  family: TaskFamily;
  /** Ends with the message the model answers (a user message, or a tool result). */
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  expected: ExpectedReply;
}
