// POST /v1/embeddings: each input is evaluated in a scheduler slot (batched with whatever else
// runs) and its embedding is the MEAN over all its token positions (BOS included) of the final
// hidden state after output_norm, L2-normalized. Floats, or base64 of little-endian float32 as
// the openai client requests by default.
// Reference: https://platform.openai.com/docs/api-reference/embeddings/create

import type { Hono } from "hono";
import { badRequest, unsupported } from "../errors.js";
import { MAX_PROMPT_CHARS } from "../limits.js";
import { modelField, parseBody, readJson } from "../request-body.js";
import { embeddingRequestSchema } from "../schemas.js";
import { resolveModel, type ServerContext } from "../server-context.js";
import { proxyToUpstream } from "../upstream.js";
import { ContextOverflowError } from "../../errors.js";

export function registerEmbeddings(app: Hono, ctx: ServerContext): void {
  app.post("/v1/embeddings", async (c) => {
    const { json } = await readJson(c);
    const target = resolveModel(ctx, modelField(json));
    if (!target.local) return proxyToUpstream(c, target.upstream, "/embeddings", json);
    const req = parseBody(embeddingRequestSchema, json);
    const { nEmbd, nVocab } = ctx.model.config;
    if (req.dimensions != null && req.dimensions !== nEmbd) throw unsupported("dimensions", `"dimensions" other than the model's ${nEmbd} is not supported`);
    const inp = req.input;
    const items: (string | number[])[] = typeof inp === "string" ? [inp] : typeof inp[0] === "number" ? [inp as number[]] : (inp as string[] | number[][]);
    const prompts = items.map((item, i) => {
      if (typeof item !== "string") {
        const bad = item.find((id) => id >= nVocab);
        if (bad !== undefined) throw badRequest(`Invalid field "input": token ${bad} is outside the vocabulary of ${nVocab} tokens`, "input");
        return item;
      }
      if (item.length > MAX_PROMPT_CHARS) throw badRequest(`Input ${i} has ${item.length} characters, more than the limit of ${MAX_PROMPT_CHARS}`, "input", "prompt_too_long");
      const tokens = ctx.model.tokenizer.encode(item, { addSpecial: true, parseSpecial: false });
      if (tokens.length === 0) throw badRequest(`Invalid field "input": input ${i} is empty`, "input");
      return tokens;
    });
    for (const [i, p] of prompts.entries()) {
      if (p.length > ctx.nCtx) {
        throw new ContextOverflowError(`Input ${i} has ${p.length} tokens but the context holds ${ctx.nCtx}`, ctx.nCtx, p.length);
      }
    }
    const seqs = ctx.scheduler.submit(prompts.map((prompt) => ({ kind: "embed" as const, prompt })), undefined);
    const cancel = () => seqs.forEach((s) => ctx.scheduler.cancel(s));
    c.req.raw.signal.addEventListener("abort", cancel, { once: true });
    const results = await Promise.all(seqs.map((s) => s.done));
    c.req.raw.signal.removeEventListener("abort", cancel);
    if (results.some((r) => r.stoppedBy === "cancelled")) return c.body(null, 499 as 400);
    const base64 = req.encoding_format === "base64";
    const total = prompts.reduce((s, p) => s + p.length, 0);
    return c.json({
      object: "list",
      data: results.map((r, index) => ({
        object: "embedding",
        index,
        embedding: base64 ? Buffer.from(r.embedding!.buffer, r.embedding!.byteOffset, r.embedding!.byteLength).toString("base64") : Array.from(r.embedding!),
      })),
      model: ctx.modelId,
      usage: { prompt_tokens: total, total_tokens: total },
    });
  });
}
