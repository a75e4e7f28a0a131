// messages → prompt text: the GGUF's `tokenizer.chat_template` (or a built-in Llama 3.1 / 3.2 /
// Llama 2 template when the file has none) rendered with Jinja, then llama.cpp's rule: when the
// tokenizer adds BOS itself, a leading BOS text is removed (likewise a trailing EOS text). The
// prompt is meant to be tokenized with parseSpecial: true.
// Reference: llama.cpp common/chat.cpp `common_chat_templates_apply` (BOS/EOS stripping);
// /work/shared/docs/llama-reference.md §5.

import { metaString } from "../gguf/metadata.js";
import type { GgufHeader } from "../gguf/types.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { BUILTIN_TEMPLATES, LLAMA2_CHAT_TEMPLATE, LLAMA31_CHAT_TEMPLATE, LLAMA32_CHAT_TEMPLATE } from "./builtin-templates.js";
import { ChatTemplateError } from "./errors.js";
import { renderJinja, strftime } from "./jinja.js";
import type { ChatMessage, ChatToolCall, ToolDefinition } from "./types.js";

/** Llama 3.1's built-in tools: declared with `Environment: ipython`, called as `<|python_tag|>name.call(...)`. */
export const BUILTIN_TOOLS = new Set(["brave_search", "wolfram_alpha", "code_interpreter"]);

export interface RenderChatOptions {
  /** Tools the model may call (OpenAI format). */
  tools?: ToolDefinition[];
  /** End with the open assistant header so the model writes the reply (default true). */
  addGenerationPrompt?: boolean;
  /** "Today Date" of the Llama 3.x system block; default: what the template does (3.1: 26 Jul 2024, 3.2: today). */
  date?: Date;
  /** A Jinja template, or "llama3.1" | "llama3.2" | "llama2", instead of the file's. */
  template?: string;
}

export interface ChatModelLike {
  tokenizer: Tokenizer;
  header: Pick<GgufHeader, "metadata">;
}

const ROLES = new Set(["system", "user", "assistant", "tool", "ipython"]);

/** The template a model uses: its own, or the built-in one its vocabulary and name point to. */
export function chatTemplateFor(model: ChatModelLike): string {
  const own = metaString(model.header.metadata, "tokenizer.chat_template");
  if (own) return own;
  const tk = model.tokenizer;
  const hasText = (text: string) => {
    const ids = tk.encode(text, { addSpecial: false, parseSpecial: true });
    return ids.length === 1 && tk.isControl(ids[0]!);
  };
  if (hasText("<|start_header_id|>")) {
    const name = `${metaString(model.header.metadata, "general.name") ?? ""} ${metaString(model.header.metadata, "general.basename") ?? ""}`;
    return /3\.[23]/.test(name) ? LLAMA32_CHAT_TEMPLATE : LLAMA31_CHAT_TEMPLATE;
  }
  if (tk.bos !== undefined && tk.tokenText(tk.bos) === "<s>") return LLAMA2_CHAT_TEMPLATE;
  throw new ChatTemplateError("The model has no chat template and its vocabulary matches no built-in one (Llama 3.x or Llama 2)");
}

function text(content: ChatMessage["content"], where: string): string | Record<string, unknown> {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p, i) => {
        if (p?.type !== "text" || typeof p.text !== "string") {
          throw new TypeError(`${where}.content[${i}] must be a text part ({"type": "text", "text": "..."}), got type ${JSON.stringify(p?.type)}`);
        }
        return p.text;
      })
      .join("");
  }
  if (typeof content === "object") return content; // tool results may be JSON objects
  throw new TypeError(`${where}.content must be a string, an array of text parts or null`);
}

/** OpenAI messages → the shapes Llama templates read (arguments as objects, one tool call per assistant message). */
export function normalizeMessages(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  if (!Array.isArray(messages) || messages.length === 0) throw new TypeError("messages must be a non-empty array");
  const out: Record<string, unknown>[] = [];
  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (typeof m !== "object" || m === null) throw new TypeError(`${where} must be an object`);
    if (!ROLES.has(m.role)) throw new TypeError(`${where}.role must be one of system, user, assistant, tool, ipython; got ${JSON.stringify(m.role)}`);
    const content = text(m.content, where);
    if (m.role === "assistant" && m.tool_calls && m.tool_calls.length > 0) {
      // Llama 3.1's template renders one call per message; several become consecutive messages.
      m.tool_calls.forEach((c: ChatToolCall, j: number) => {
        const name = c?.function?.name;
        if (typeof name !== "string" || name === "") throw new TypeError(`${where}.tool_calls[${j}].function.name must be a non-empty string`);
        let args = c.function.arguments ?? {};
        if (typeof args === "string") {
          try {
            args = args.trim() === "" ? {} : (JSON.parse(args) as Record<string, unknown>);
          } catch {
            throw new TypeError(`${where}.tool_calls[${j}].function.arguments is not valid JSON`);
          }
        }
        out.push({ role: "assistant", content: j === 0 ? content : "", tool_calls: [{ ...(c.id ? { id: c.id } : {}), type: "function", function: { name, arguments: args } }] });
      });
      return;
    }
    const msg: Record<string, unknown> = { role: m.role, content };
    if (m.tool_call_id !== undefined) msg.tool_call_id = m.tool_call_id;
    if (m.name !== undefined) msg.name = m.name;
    out.push(msg);
  });
  return out;
}

function checkTools(tools: readonly ToolDefinition[]): void {
  if (!Array.isArray(tools)) throw new TypeError("tools must be an array");
  const seen = new Set<string>();
  tools.forEach((t, i) => {
    const name = t?.function?.name;
    if (t?.type !== "function" || typeof name !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new TypeError(`tools[${i}] must be {"type": "function", "function": {"name": ...}} with a name of letters, digits, "_", "." or "-"`);
    }
    if (seen.has(name)) throw new TypeError(`tools[${i}]: the tool name "${name}" is declared twice`);
    seen.add(name);
  });
}

/** The Jinja variables for a conversation (exported for the golden tests' reference renderer). */
export function templateVariables(model: ChatModelLike, messages: readonly ChatMessage[], opts: RenderChatOptions = {}): Record<string, unknown> {
  const tk = model.tokenizer;
  const vars: Record<string, unknown> = {
    messages: normalizeMessages(messages),
    bos_token: tk.bos !== undefined ? tk.tokenText(tk.bos) : "",
    eos_token: tk.eos !== undefined ? tk.tokenText(tk.eos) : "",
    add_generation_prompt: opts.addGenerationPrompt ?? true,
  };
  if (opts.tools && opts.tools.length > 0) {
    checkTools(opts.tools);
    const builtin = opts.tools.filter((t) => BUILTIN_TOOLS.has(t.function.name)).map((t) => t.function.name);
    const custom = opts.tools.filter((t) => !BUILTIN_TOOLS.has(t.function.name));
    if (builtin.length > 0) vars.builtin_tools = builtin;
    if (custom.length > 0) vars.tools = custom;
  }
  if (opts.date) {
    if (!(opts.date instanceof Date) || Number.isNaN(opts.date.getTime())) throw new TypeError("date must be a valid Date");
    vars.date_string = strftime(opts.date, "%d %b %Y");
  }
  return vars;
}

/** Renders a conversation into the prompt text the model expects (tokenize it with parseSpecial: true). */
export function renderChat(model: ChatModelLike, messages: readonly ChatMessage[], opts: RenderChatOptions = {}): { prompt: string } {
  const source = opts.template ? (BUILTIN_TEMPLATES[opts.template] ?? opts.template) : chatTemplateFor(model);
  let prompt = renderJinja(source, templateVariables(model, messages, opts));
  const tk = model.tokenizer;
  if (tk.addBos && tk.bos !== undefined) {
    const bos = tk.tokenText(tk.bos);
    if (bos && prompt.startsWith(bos)) prompt = prompt.slice(bos.length);
  }
  if (tk.addEos && tk.eos !== undefined) {
    const eos = tk.tokenText(tk.eos);
    if (eos && prompt.endsWith(eos)) prompt = prompt.slice(0, -eos.length);
  }
  return { prompt };
}
