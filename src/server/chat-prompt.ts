// Chat messages → prompt tokens for the server. Messages arrive already validated (schemas.ts);
// here their content parts are flattened to text and they are rendered in the model's chat
// format. Until the chat module (src/chat) lands this is the Llama 3 format llama.cpp's built-in
// "llama3" template writes: per message `<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>`,
// then the open assistant header; BOS comes from the tokenizer. Each piece is tokenized on its
// own, which for Llama 3's BPE gives the same ids as tokenizing the whole string (specials split it).

import type { LlamaModel } from "../model/model.js";
import { badRequest, unsupported } from "./errors.js";
import type { ChatMessage, Tool } from "./schemas.js";

/** A message reduced to what a chat template reads. */
export interface PromptMessage {
  role: "system" | "user" | "assistant" | "tool" | "ipython";
  content: string;
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  name?: string;
}

/** Flattens content parts and maps "developer" to "system"; non-text parts are a 400 naming the field. */
export function toPromptMessages(messages: readonly ChatMessage[]): PromptMessage[] {
  return messages.map((m, i) => {
    let content = "";
    const c = m.content;
    if (typeof c === "string") content = c;
    else if (Array.isArray(c)) {
      c.forEach((part, j) => {
        if (part.type !== "text") {
          throw unsupported(`messages[${i}].content[${j}].type`, `Content parts of type "${part.type}" are not supported: this server reads text only`);
        }
        if (typeof part.text !== "string") throw badRequest(`Invalid field "messages[${i}].content[${j}].text": a text part needs a string "text"`, `messages[${i}].content[${j}].text`);
        content += part.text;
      });
    }
    const role = m.role === "developer" ? "system" : m.role;
    const out: PromptMessage = { role, content };
    if (m.role === "assistant" && m.tool_calls) out.tool_calls = m.tool_calls;
    if (m.role === "tool") out.tool_call_id = m.tool_call_id;
    if ("name" in m && m.name !== undefined) out.name = m.name;
    return out;
  });
}

/** Renders messages (and tools, when the chat module supports them) into prompt tokens. */
export function renderChatPrompt(model: LlamaModel, messages: readonly PromptMessage[], tools?: readonly Tool[]): number[] {
  if (tools && tools.length > 0) throw unsupported("tools", 'Tool calling is not supported yet by this build: "tools" needs the chat module');
  const tk = model.tokenizer;
  // The scaffolding is parsed for special tokens; message text never is, so a user who types
  // "<|eot_id|>" cannot end their turn early.
  const tokens = tk.encode("", { addSpecial: true });
  const scaffold = (s: string) => tokens.push(...tk.encode(s, { addSpecial: false, parseSpecial: true }));
  for (const m of messages) {
    const role = m.role === "tool" ? "ipython" : m.role;
    scaffold(`<|start_header_id|>${role}<|end_header_id|>\n\n`);
    tokens.push(...tk.encode(m.content.trim(), { addSpecial: false, parseSpecial: false }));
    scaffold("<|eot_id|>");
  }
  scaffold("<|start_header_id|>assistant<|end_header_id|>\n\n");
  return tokens;
}
