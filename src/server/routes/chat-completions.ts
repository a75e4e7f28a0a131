// POST /v1/chat/completions: messages → chat template → n sequences in the scheduler → one JSON
// response, or an SSE stream of chunks ending in `data: [DONE]`. Tools, response_format and
// llama.cpp's `grammar` become a token-level constraint; tool calls are parsed out of the reply
// (streamed as OpenAI tool_call deltas) and end with finish_reason "tool_calls".
// Reference: https://platform.openai.com/docs/api-reference/chat/create

import type { Hono } from "hono";
import { parseToolCalls, type ChatDelta, type ParsedToolCall } from "../../chat/index.js";
import { renderChatPrompt, toPromptMessages, type PromptMessage } from "../chat-prompt.js";
import { dropOldestTurns, type DropReport } from "../context-policy.js";
import { badRequest, toErrorResponse, unsupported } from "../errors.js";
import { choiceSpecs, finishReason, samplingParams, submit, tokenBudget } from "../generation-request.js";
import { MAX_PROMPT_CHARS } from "../limits.js";
import { outputRules } from "../output-rules.js";
import { modelField, parseBody, readJson } from "../request-body.js";
import { chatLogprob, llamaTimings, newId, SYSTEM_FINGERPRINT, usage } from "../response-parts.js";
import { chatRequestSchema, type ChatRequest } from "../schemas.js";
import type { SequenceResult, TokenEvent } from "../sequence.js";
import { resolveModel, type ServerContext } from "../server-context.js";
import { createSseStream } from "../sse.js";
import { ToolReplyStream } from "../tool-reply.js";
import { proxyToUpstream } from "../upstream.js";

/** Fields OpenAI defines that this server refuses rather than ignores. */
function refuseUnsupported(req: ChatRequest): void {
  if (req.audio != null || req.modalities?.includes("audio")) throw unsupported("audio", "Audio output is not supported: this server generates text only");
  if (req.prediction != null) throw unsupported("prediction", '"prediction" (predicted outputs) is not supported');
  if (req.functions != null || req.function_call != null) throw unsupported("functions", '"functions" and "function_call" are deprecated and not supported; use "tools"');
  if (req.web_search_options != null) throw unsupported("web_search_options", "Web search is not supported");
}

const toolCallsJson = (calls: ParsedToolCall[]) => calls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } }));

export function registerChatCompletions(app: Hono, ctx: ServerContext): void {
  app.post("/v1/chat/completions", async (c) => {
    const { json } = await readJson(c);
    const target = resolveModel(ctx, modelField(json));
    if (!target.local) return proxyToUpstream(c, target.upstream, "/chat/completions", json);
    const req = parseBody(chatRequestSchema, json);
    refuseUnsupported(req);
    const rules = outputRules(ctx.model, req);

    const messages = toPromptMessages(req.messages);
    const chars = messages.reduce((s, m) => s + m.content.length, 0);
    if (chars > MAX_PROMPT_CHARS) throw badRequest(`The messages hold ${chars} characters, more than the limit of ${MAX_PROMPT_CHARS}`, "messages", "prompt_too_long");
    const render = (msgs: PromptMessage[]) => renderChatPrompt(ctx.model, msgs, rules.requestTools);
    const requested = req.max_completion_tokens ?? req.max_tokens;
    let prompt: number[];
    let report: DropReport | undefined;
    if (req.context_overflow === "drop_oldest_turns") {
      const reserve = requested ?? Math.min(512, Math.floor(ctx.nCtx / 4));
      ({ tokens: prompt, report } = dropOldestTurns(messages, render, Math.max(reserve, 1), ctx.nCtx));
    } else {
      prompt = render(messages);
    }
    const maxTokens = tokenBudget(prompt.length, requested, ctx.nCtx);
    const wantLogprobs = !!req.logprobs;
    if (req.top_logprobs != null && !wantLogprobs) throw badRequest('Invalid field "top_logprobs": it needs "logprobs": true', "top_logprobs");
    const specs = choiceSpecs(req, prompt, samplingParams(req, ctx.model.config.nVocab), maxTokens, wantLogprobs ? (req.top_logprobs ?? 0) : null, rules.makeConstraint);
    // Tool calls may start with <|python_tag|>, a control token: render it so the parser sees it.
    if (rules.tools) for (const s of specs) s.special = true;

    const tk = ctx.model.tokenizer;
    const id = newId("chatcmpl");
    const created = Math.floor(Date.now() / 1000);
    const base = { id, object: "chat.completion.chunk", created, model: ctx.modelId, system_fingerprint: SYSTEM_FINGERPRINT };
    const extra = report ? { context_overflow: report } : {};
    const signal = c.req.raw.signal;
    const tools = rules.tools;
    const finish = (r: SequenceResult, calls: number) => (calls > 0 ? "tool_calls" : finishReason(r.stoppedBy));

    if (req.stream) {
      const holder: { cancel?: () => void } = {};
      const toolStreams = tools ? specs.map(() => new ToolReplyStream(tools)) : undefined;
      const sendDelta = (index: number, delta: ChatDelta | { content: string }, logprobs: unknown = null) =>
        sse.send({ ...base, choices: [{ index, delta, logprobs, finish_reason: null }] });
      const seqs = submit(ctx, specs, signal, (index: number, e: TokenEvent) => {
        const logprobs = wantLogprobs && e.token >= 0 ? { content: [chatLogprob(tk, e)] } : null;
        if (toolStreams) {
          for (const delta of toolStreams[index]!.push(e.text)) sendDelta(index, delta);
          if (logprobs) sendDelta(index, {}, logprobs);
          return;
        }
        if (e.text !== "" || logprobs) sendDelta(index, { content: e.text }, logprobs);
      });
      holder.cancel = () => seqs.forEach((s) => ctx.scheduler.cancel(s));
      const sse = createSseStream(signal, () => holder.cancel?.());
      specs.forEach((_, index) => {
        sse.send({ ...base, ...(index === 0 ? extra : {}), choices: [{ index, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] });
      });
      void Promise.all(seqs.map((s) => s.done)).then(
        (results) => {
          if (results.some((r) => r.stoppedBy === "cancelled")) return sse.close();
          results.forEach((r, index) => {
            let calls = 0;
            if (toolStreams) {
              const end = toolStreams[index]!.finish();
              for (const delta of end.deltas) sendDelta(index, delta);
              calls = end.toolCalls.length;
            }
            sse.send({ ...base, choices: [{ index, delta: {}, logprobs: null, finish_reason: finish(r, calls) }] });
          });
          const timings = llamaTimings(results, [results[0]!]);
          if (req.stream_options?.include_usage) sse.send({ ...base, choices: [], usage: usage(results, [results[0]!]), timings, ...extra });
          sse.done();
        },
        (err: unknown) => {
          sse.send(toErrorResponse(err).body);
          sse.close();
        },
      );
      return sse.response;
    }

    const contents: ReturnType<typeof chatLogprob>[][] = specs.map(() => []);
    const seqs = submit(ctx, specs, signal, wantLogprobs ? (index, e) => e.token >= 0 && contents[index]!.push(chatLogprob(tk, e)) : undefined);
    const results: SequenceResult[] = await Promise.all(seqs.map((s) => s.done));
    if (results.some((r) => r.stoppedBy === "cancelled")) return c.body(null, 499 as 400);
    return c.json({
      id,
      object: "chat.completion",
      created,
      model: ctx.modelId,
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: results.map((r, index) => {
        const parsed = tools ? parseToolCalls(r.text, tools) : { content: r.text, toolCalls: [] };
        const message = parsed.toolCalls.length
          ? { role: "assistant", content: parsed.content || null, tool_calls: toolCallsJson(parsed.toolCalls), refusal: null }
          : { role: "assistant", content: r.text, refusal: null };
        return { index, message, logprobs: wantLogprobs ? { content: contents[index] } : null, finish_reason: finish(r, parsed.toolCalls.length) };
      }),
      usage: usage(results, [results[0]!]),
      timings: llamaTimings(results, [results[0]!]),
      ...extra,
    });
  });
}
