// Chat messages → prompt tokens for the server. Messages arrive already validated (schemas.ts);
// here their content parts are flattened to text and they are rendered with the model's chat
// template through the chat module (src/chat). Models without any template get the framing of
// llama.cpp's built-in "llama3" template: per message
// `<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>`, then the open assistant header.

import { ChatTemplateError, chatTemplateFor, renderChat, type ToolDefinition } from "../chat/index.js";
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

/** The request's tools in the chat module's shape (nulls dropped). */
export function toToolDefinitions(tools: readonly Tool[]): ToolDefinition[] {
  return tools.map(({ function: f }) => ({
    type: "function",
    function: {
      name: f.name,
      ...(f.description !== undefined && { description: f.description }),
      ...(f.parameters !== undefined && { parameters: f.parameters }),
      ...(typeof f.strict === "boolean" && { strict: f.strict }),
    },
  }));
}

/** Whether the chat module has a template for this model (its own, or a built-in one its vocabulary matches). */
export function hasChatTemplate(model: LlamaModel): boolean {
  try {
    chatTemplateFor(model);
    return true;
  } catch (err) {
    if (err instanceof ChatTemplateError) return false;
    throw err;
  }
}

/**
 * Renders messages (and tools) into prompt tokens with the model's chat template. A model with
 * no template (e.g. a bytes-vocabulary test model) gets plain Llama 3 framing, and no tools.
 */
export function renderChatPrompt(model: LlamaModel, messages: readonly PromptMessage[], tools?: readonly Tool[]): number[] {
  if (!hasChatTemplate(model)) {
    if (tools && tools.length > 0) throw badRequest("This model has no chat template, so it cannot be given tools", "tools", "unsupported_parameter");
    return llama3Framing(model, messages);
  }
  let prompt: string;
  try {
    prompt = renderChat(model, messages, tools?.length ? { tools: toToolDefinitions(tools) } : {}).prompt;
  } catch (err) {
    if (err instanceof ChatTemplateError || err instanceof TypeError) throw badRequest(`The chat template cannot render these messages: ${err.message}`, "messages", "invalid_messages");
    throw err;
  }
  return encodeRendered(model, prompt);
}

/** Llama 3 framing for models without a template. */
function llama3Framing(model: LlamaModel, messages: readonly PromptMessage[]): number[] {
  const tk = model.tokenizer;
  // The scaffolding is parsed for special tokens; message text is not.
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

/**
 * Tokenizes a rendered chat prompt with special-token parsing. Message text is part of that
 * string, so special-token look-alikes typed by a user do become control tokens here, as in
 * llama.cpp's server and vLLM; a prompt that already starts with the BOS text gets no second BOS.
 */
export function encodeRendered(model: LlamaModel, prompt: string): number[] {
  const tk = model.tokenizer;
  const bosText = tk.bos !== undefined ? tk.tokenText(tk.bos) : undefined;
  const hasBos = bosText !== undefined && prompt.startsWith(bosText);
  return tk.encode(prompt, { addSpecial: !hasBos, parseSpecial: true });
}
