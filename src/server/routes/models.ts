// GET /v1/models and /v1/models/{id}: the local model (with llama.cpp-style `meta`) and every
// upstream registered with --upstream.
// Reference: https://platform.openai.com/docs/api-reference/models

import type { Hono } from "hono";
import { modelNotFound } from "../errors.js";
import type { ServerContext } from "../server-context.js";

function modelList(ctx: ServerContext) {
  const { config } = ctx.model;
  const name = ctx.model.header.metadata.get("general.name")?.value;
  const local = {
    id: ctx.modelId,
    object: "model",
    created: ctx.created,
    owned_by: "llama.ts",
    meta: {
      n_vocab: config.nVocab,
      n_ctx_train: config.nCtxTrain,
      n_embd: config.nEmbd,
      n_layer: config.nLayer,
      n_ctx: ctx.nCtx,
      n_parallel: ctx.scheduler.slots.length,
      name: typeof name === "string" ? name : null,
    },
  };
  const remote = [...ctx.upstreams.values()].map((u) => ({ id: u.name, object: "model", created: ctx.created, owned_by: "upstream", meta: { upstream: u.baseUrl, remote_model: u.remoteModel } }));
  return [local, ...remote];
}

export function registerModels(app: Hono, ctx: ServerContext): void {
  app.get("/v1/models", (c) => c.json({ object: "list", data: modelList(ctx) }));
  app.get("/v1/models/:id{.+}", (c) => {
    const id = c.req.param("id");
    const m = modelList(ctx).find((x) => x.id === id);
    if (!m) throw modelNotFound(id);
    return c.json(m);
  });
}
