// Answers task prompts with the engine: the chat template renders the conversation (with the same
// fixed "Today Date" as the training data), the reply is decoded greedily, and tool calls are left
// in the text for evaluateTasks to parse — so a malformed call counts against the model. With
// `grammar`, tool prompts are decoded under the tool-call grammar as ChatSession does.

import { createConstraint } from "../chat/constraint.js";
import { renderChat } from "../chat/template.js";
import type { ChatMessage, ToolDefinition } from "../chat/types.js";
import { generate } from "../generation/generate.js";
import type { LlamaContext } from "../model/context.js";
import type { LlamaModel } from "../model/model.js";
import { CHAT_DATA_DATE } from "../train/data/synthetic.js";
import type { TaskAnswerer } from "./tasks.js";

export interface ModelAnswererOptions {
  /** Most tokens per reply (default 64). */
  maxTokens?: number;
  /** "Today Date" of the prompt (default: the training data's). */
  date?: Date;
  /** A Jinja template or "llama3.1" | "llama3.2" | "llama2" instead of the model's. */
  template?: string;
  /** Context size (default: the model's default). */
  nCtx?: number;
  /** Decode tool prompts under the tool-call grammar (default false: the model's own output). */
  grammar?: boolean;
}

export function modelAnswerer(model: LlamaModel, opts: ModelAnswererOptions = {}): TaskAnswerer {
  let context: LlamaContext | undefined;
  return async (messages: ChatMessage[], tools?: ToolDefinition[]) => {
    const { prompt } = renderChat(model, messages, {
      date: opts.date ?? CHAT_DATA_DATE,
      ...(tools && tools.length > 0 && { tools }),
      ...(opts.template && { template: opts.template }),
    });
    const tokens = model.tokenizer.encode(prompt, { addSpecial: true, parseSpecial: true });
    // One context for all prompts: they share the system block, which stays cached.
    context ??= model.createContext(opts.nCtx !== undefined ? { nCtx: opts.nCtx } : {});
    const it = generate(model, tokens, {
      context,
      maxTokens: opts.maxTokens ?? 64,
      temperature: 0,
      special: true, // keep <|python_tag|> for the tool-call parser
      ...(opts.grammar && tools && tools.length > 0 && { constraint: createConstraint(model.tokenizer, { type: "tools", tools, choice: "auto", parallel: false }) }),
    });
    let r = await it.next();
    while (!r.done) r = await it.next();
    return r.value.text;
  };
}
