// POST /v1/completions (the legacy text API): one or more raw prompts, n choices each, JSON or
// SSE. Prompts are tokenized as llama-server does: BOS added, special-token text parsed (send
// "parse_special": false to keep it literal). llama-server's `grammar` and `response_format` apply.
// Reference: https://platform.openai.com/docs/api-reference/completions/create

import type { Hono } from "hono";
import { z } from "zod";
import { badRequest, toErrorResponse, unsupported } from "../errors.js";
import { choiceSpecs, finishReason, samplingParams, submit, tokenBudget } from "../generation-request.js";
import { MAX_PROMPT_CHARS } from "../limits.js";
import { outputRules } from "../output-rules.js";
import { modelField, parseBody, readJson } from "../request-body.js";
import { CompletionLogprobs, llamaTimings, newId, SYSTEM_FINGERPRINT, usage } from "../response-parts.js";
import { completionRequestSchema } from "../schemas.js";
import type { GenerateSpec, SequenceResult } from "../sequence.js";
import { resolveModel, type ServerContext } from "../server-context.js";
import { createSseStream } from "../sse.js";
import { proxyToUpstream } from "../upstream.js";

const schema = completionRequestSchema.extend({ parse_special: z.boolean().nullish() });

export function registerCompletions(app: Hono, ctx: ServerContext): void {
  app.post("/v1/completions", async (c) => {
    const { json } = await readJson(c);
    const target = resolveModel(ctx, modelField(json));
    if (!target.local) return proxyToUpstream(c, target.upstream, "/completions", json);
    const req = parseBody(schema, json);
    if (req.suffix) throw unsupported("suffix", '"suffix" (insertion) is not supported');
    if (req.best_of != null && req.best_of !== (req.n ?? 1)) throw unsupported("best_of", '"best_of" other than "n" is not supported');
    if (req.echo && req.logprobs != null) throw unsupported("echo", '"echo" together with "logprobs" is not supported (prompt log-probabilities are not computed)');
    if (req.context_overflow === "drop_oldest_turns") throw badRequest('Invalid field "context_overflow": "drop_oldest_turns" applies to chat messages only', "context_overflow");

    const tk = ctx.model.tokenizer;
    const p = req.prompt;
    // string | string[] | number[] | number[][] → one token list per prompt.
    const texts: (string | number[])[] = typeof p === "string" ? [p] : typeof p[0] === "number" ? [p as number[]] : (p as string[] | number[][]);
    const prompts = texts.map((t, i) => {
      if (typeof t !== "string") {
        const bad = t.find((id) => id >= ctx.model.config.nVocab);
        if (bad !== undefined) throw badRequest(`Invalid field "prompt": token ${bad} is outside the vocabulary of ${ctx.model.config.nVocab} tokens`, "prompt");
        return { tokens: t, text: tk.decode(t) };
      }
      if (t.length > MAX_PROMPT_CHARS) throw badRequest(`Prompt ${i} has ${t.length} characters, more than the limit of ${MAX_PROMPT_CHARS}`, "prompt", "prompt_too_long");
      const tokens = tk.encode(t, { addSpecial: true, parseSpecial: req.parse_special ?? true });
      if (tokens.length === 0) throw badRequest(`Invalid field "prompt": prompt ${i} is empty`, "prompt");
      return { tokens, text: t };
    });
    const rules = outputRules(ctx.model, req);
    const sampling = samplingParams(req, ctx.model.config.nVocab);
    const wantLogprobs = req.logprobs != null;
    const n = req.n ?? 1;
    const specs: GenerateSpec[] = prompts.flatMap((pr) =>
      choiceSpecs(req, pr.tokens, sampling, tokenBudget(pr.tokens.length, req.max_tokens ?? 16, ctx.nCtx), wantLogprobs ? req.logprobs! : null, rules.makeConstraint),
    );
    const echoOf = (i: number) => (req.echo ? prompts[Math.floor(i / n)]!.text : "");
    const logprobs = specs.map((_, i) => new CompletionLogprobs(echoOf(i).length));

    const id = newId("cmpl");
    const created = Math.floor(Date.now() / 1000);
    const base = { id, object: "text_completion", created, model: ctx.modelId, system_fingerprint: SYSTEM_FINGERPRINT };
    const signal = c.req.raw.signal;
    const leadersOf = (results: SequenceResult[]) => results.filter((_, i) => i % n === 0);

    if (req.stream) {
      const holder: { cancel?: () => void } = {};
      const seqs = submit(ctx, specs, signal, (index, e) => {
        if (e.text === "" && !(wantLogprobs && e.token >= 0)) return;
        let lp = null;
        if (wantLogprobs && e.token >= 0) {
          const one = new CompletionLogprobs(0);
          one.add(tk, e);
          lp = one.toJSON();
        }
        sse.send({ ...base, choices: [{ index, text: e.text, logprobs: lp, finish_reason: null }] });
      });
      holder.cancel = () => seqs.forEach((s) => ctx.scheduler.cancel(s));
      const sse = createSseStream(signal, () => holder.cancel?.());
      if (req.echo) specs.forEach((_, index) => sse.send({ ...base, choices: [{ index, text: echoOf(index), logprobs: null, finish_reason: null }] }));
      void Promise.all(seqs.map((s) => s.done)).then(
        (results) => {
          if (results.some((r) => r.stoppedBy === "cancelled")) return sse.close();
          results.forEach((r, index) => sse.send({ ...base, choices: [{ index, text: "", logprobs: null, finish_reason: finishReason(r.stoppedBy) }] }));
          if (req.stream_options?.include_usage) {
            sse.send({ ...base, choices: [], usage: usage(results, leadersOf(results)), timings: llamaTimings(results, leadersOf(results)) });
          }
          sse.done();
        },
        (err: unknown) => {
          sse.send(toErrorResponse(err).body);
          sse.close();
        },
      );
      return sse.response;
    }

    const seqs = submit(ctx, specs, signal, wantLogprobs ? (index, e) => e.token >= 0 && logprobs[index]!.add(tk, e) : undefined);
    const results = await Promise.all(seqs.map((s) => s.done));
    if (results.some((r) => r.stoppedBy === "cancelled")) return c.body(null, 499 as 400);
    return c.json({
      ...base,
      choices: results.map((r, index) => ({
        index,
        text: echoOf(index) + r.text,
        logprobs: wantLogprobs ? logprobs[index]!.toJSON() : null,
        finish_reason: finishReason(r.stoppedBy),
      })),
      usage: usage(results, leadersOf(results)),
      timings: llamaTimings(results, leadersOf(results)),
    });
  });
}
