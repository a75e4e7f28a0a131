// ChatSession: a conversation with one model — message history, system prompt, optional tools
// and output format — over one LlamaContext that keeps its KV cache between turns, so each turn
// evaluates only what the previous prompt plus reply did not already cover. When a turn would not
// fit the context, the policy decides: "error" (the default) or "drop-oldest" whole turns (never
// the system prompt), reporting what was dropped.

import { AbortError, ContextOverflowError } from "../errors.js";
import { generate, type GenerateOptions, type GenerationResult, type GenerationTimings } from "../generation/generate.js";
import type { LlamaContext } from "../model/context.js";
import type { LlamaModel } from "../model/model.js";
import { createConstraint, type ConstraintSpec } from "./constraint.js";
import { renderChat } from "./template.js";
import { ToolCallStream, type ChatDelta } from "./tool-call-stream.js";
import type { ChatMessage, ParsedToolCall, ToolChoice, ToolDefinition } from "./types.js";

export type ContextPolicy = "error" | "drop-oldest";

export interface ChatSessionOptions {
  systemPrompt?: string;
  /** What to do when a turn does not fit the context (default "error"). */
  contextPolicy?: ContextPolicy;
  /** Context window of the session's KV cache (default: the model's default). */
  nCtx?: number;
  tools?: ToolDefinition[];
  /** Default "auto" when tools are given. "none" keeps the tools out of the prompt. */
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  /** "Today Date" for Llama 3.x system blocks. */
  date?: Date;
  /** A Jinja template or "llama3.1" | "llama3.2" | "llama2" instead of the model's. */
  template?: string;
  /** Sampling and budget defaults for every turn. */
  generation?: TurnOptions;
}

export interface TurnOptions extends Omit<GenerateOptions, "context" | "constraint" | "special" | "addSpecial" | "parseSpecial" | "nCtx" | "kvType"> {
  /** Constrain this reply: JSON object, JSON schema or GBNF (tools use the session's tools). */
  responseFormat?: Exclude<ConstraintSpec, { type: "tools" }>;
}

export interface ChatTurnResult {
  /** The assistant message added to the history. */
  message: ChatMessage;
  content: string;
  toolCalls: ParsedToolCall[];
  /** "aborted": the signal stopped the reply; the text so far is kept as the message. */
  finishReason: "stop" | "length" | "tool_calls" | "aborted";
  /** Messages removed from the history by the drop-oldest policy for this turn. */
  dropped: ChatMessage[];
  promptTokens: number;
  timings: GenerationTimings;
}

export interface SavedChat {
  version: 1;
  messages: ChatMessage[];
}

const EMPTY_TIMINGS: GenerationTimings = {
  promptTokens: 0, reusedTokens: 0, promptMs: 0, promptTokensPerSecond: 0,
  generatedTokens: 0, generatedMs: 0, generatedTokensPerSecond: 0, timeToFirstTokenMs: 0,
};

export class ChatSession {
  readonly context: LlamaContext;
  private history: ChatMessage[] = [];
  private readonly policy: ContextPolicy;

  constructor(
    readonly model: LlamaModel,
    private readonly opts: ChatSessionOptions = {},
  ) {
    this.policy = opts.contextPolicy ?? "error";
    if (this.policy !== "error" && this.policy !== "drop-oldest") {
      throw new TypeError(`contextPolicy must be "error" or "drop-oldest", got ${JSON.stringify(this.policy)}`);
    }
    this.context = model.createContext(opts.nCtx !== undefined ? { nCtx: opts.nCtx } : {});
    this.reset();
  }

  /** The conversation so far, system prompt included. */
  get messages(): readonly ChatMessage[] {
    return this.history;
  }

  /** Forgets the conversation but keeps the system prompt (the KV cache keeps its prefix). */
  reset(): void {
    this.history = this.opts.systemPrompt ? [{ role: "system", content: this.opts.systemPrompt }] : [];
  }

  /** The history as JSON-ready data (for /save). */
  save(): SavedChat {
    return { version: 1, messages: structuredClone(this.history) };
  }

  /** Replaces the history with saved data (for /load); throws TypeError for malformed data. */
  load(data: unknown): void {
    const d = data as Partial<SavedChat> | null;
    if (!d || typeof d !== "object" || d.version !== 1 || !Array.isArray(d.messages)) {
      throw new TypeError('Not a saved chat: expected {"version": 1, "messages": [...]}');
    }
    d.messages.forEach((m, i) => {
      if (!m || typeof m !== "object" || !["system", "user", "assistant", "tool", "ipython"].includes(m.role)) {
        throw new TypeError(`Saved chat message ${i} has no valid role`);
      }
    });
    this.history = structuredClone(d.messages);
  }

  /** Adds a tool's result for a call the model made; the next send() lets the model use it. */
  addToolResult(toolCallId: string, content: string): void {
    this.history.push({ role: "tool", tool_call_id: toolCallId, content });
  }

  private tools(): ToolDefinition[] | undefined {
    const t = this.opts.tools;
    return t && t.length > 0 && this.opts.toolChoice !== "none" ? t : undefined;
  }

  /** Prompt tokens for a history (with the open assistant header). */
  private tokenize(history: readonly ChatMessage[]): number[] {
    const tools = this.tools();
    const { prompt } = renderChat(this.model, history, {
      ...(tools && { tools }),
      ...(this.opts.date && { date: this.opts.date }),
      ...(this.opts.template && { template: this.opts.template }),
    });
    return this.model.tokenizer.encode(prompt, { addSpecial: true, parseSpecial: true });
  }

  /** Fits history + reply budget into the context, dropping whole old turns if the policy allows. */
  private fit(history: ChatMessage[], reserve: number): { tokens: number[]; dropped: ChatMessage[] } {
    const dropped: ChatMessage[] = [];
    const nCtx = this.context.nCtx;
    while (true) {
      const tokens = this.tokenize(history);
      if (tokens.length + reserve <= nCtx) return { tokens, dropped };
      // Oldest turn = from the first non-system message up to (not including) the next user message.
      const first = history.findIndex((m) => m.role !== "system");
      let end = first + 1;
      while (end < history.length && history[end]!.role !== "user") end++;
      const lastUser = history.map((m) => m.role).lastIndexOf("user");
      if (this.policy === "error" || first < 0 || end > lastUser || first >= lastUser) {
        throw new ContextOverflowError(
          `The conversation (${tokens.length} tokens) plus ${reserve} for the reply needs ${tokens.length + reserve} positions but the context holds ${nCtx}` +
            (this.policy === "error" ? "" : " even after dropping every earlier turn"),
          nCtx,
          tokens.length + reserve,
        );
      }
      dropped.push(...history.splice(first, end - first));
    }
  }

  /**
   * Adds `input` (a user message text, or messages) and streams the assistant's reply as deltas;
   * the return value is the finished turn. With no input, the model replies to the history as it
   * is (e.g. after addToolResult).
   */
  async *send(input?: string | ChatMessage | ChatMessage[], turn: TurnOptions = {}): AsyncGenerator<ChatDelta, ChatTurnResult> {
    const added: ChatMessage[] = input === undefined ? [] : typeof input === "string" ? [{ role: "user", content: input }] : Array.isArray(input) ? input : [input];
    const candidate = [...this.history, ...added];
    const { responseFormat, ...rest } = { ...this.opts.generation, ...turn };
    const reserve = rest.maxTokens ?? 1;
    const { tokens, dropped } = this.fit(candidate, reserve);
    const tools = this.tools();
    const gen: GenerateOptions = { ...rest, context: this.context };
    let stream: ToolCallStream | undefined;
    if (responseFormat) gen.constraint = createConstraint(this.model.tokenizer, responseFormat);
    else if (tools) {
      const choice = this.opts.toolChoice ?? "auto";
      gen.constraint = createConstraint(this.model.tokenizer, {
        type: "tools",
        tools,
        choice: choice === "none" ? "auto" : choice,
        parallel: this.opts.parallelToolCalls ?? false,
      });
      gen.special = true; // so <|python_tag|> reaches the tool-call parser
      stream = new ToolCallStream(tools);
    }
    const before = this.history;
    this.history = candidate; // the turn is accepted once it fits
    const it = generate(this.model, tokens, gen);
    let text = "";
    let result: GenerationResult | undefined;
    try {
      let r = await it.next();
      while (!r.done) {
        text += r.value.text;
        if (stream) for (const d of stream.push(r.value.text)) yield d;
        else if (r.value.text) yield { content: r.value.text };
        r = await it.next();
      }
      result = r.value;
    } catch (e) {
      if (!(e instanceof AbortError)) {
        this.history = before;
        throw e;
      }
    }
    let content = result?.text ?? text;
    let toolCalls: ParsedToolCall[] = [];
    if (stream) {
      const fin = stream.finish();
      for (const d of fin.deltas) yield d;
      content = fin.content;
      toolCalls = fin.toolCalls;
    }
    const message: ChatMessage = { role: "assistant", content: toolCalls.length > 0 ? null : content };
    if (toolCalls.length > 0) message.tool_calls = toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
    this.history.push(message);
    return {
      message,
      content,
      toolCalls,
      finishReason: !result ? "aborted" : toolCalls.length > 0 ? "tool_calls" : result.finishReason,
      dropped,
      promptTokens: tokens.length,
      timings: result?.timings ?? EMPTY_TIMINGS,
    };
  }

  /** send() to the end: the finished turn. */
  async reply(input?: string | ChatMessage | ChatMessage[], turn: TurnOptions = {}): Promise<ChatTurnResult> {
    const it = this.send(input, turn);
    let r = await it.next();
    while (!r.done) r = await it.next();
    return r.value;
  }
}
