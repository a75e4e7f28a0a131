// The HTTP application: middleware (metrics, CORS allowlist, body limit, API key, rate limit),
// one file per route, and the single error mapping to OpenAI's envelope. `createServerApp` builds
// it around a loaded model; `startServer` (server.ts) binds it to a socket.

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { LlamaModel } from "../model/model.js";
import type { KvCacheTypes } from "../model/kv-cache.js";
import { ApiError, toErrorResponse } from "./errors.js";
import * as L from "./limits.js";
import { ServerMetrics } from "./metrics.js";
import { apiKeyAuth } from "./middleware/auth.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { registerChatCompletions } from "./routes/chat-completions.js";
import { registerCompletions } from "./routes/completions.js";
import { registerEmbeddings } from "./routes/embeddings.js";
import { registerHealth } from "./routes/health.js";
import { registerModels } from "./routes/models.js";
import { registerTokenize } from "./routes/tokenize.js";
import { registerWeb, WEB_PATHS } from "./routes/web.js";
import { Scheduler } from "./scheduler.js";
import type { ServerContext } from "./server-context.js";
import type { Upstream } from "./upstream.js";

export interface ServerAppOptions {
  model: LlamaModel;
  /** The id clients pass as `model`. */
  modelId: string;
  /** Context window per slot; default min(training context, 4096). */
  nCtx?: number;
  /** Parallel sequences; default DEFAULT_PARALLEL. */
  parallel?: number;
  /** Sequences that may wait for a slot; default DEFAULT_MAX_QUEUE. */
  maxQueue?: number;
  /** Accepted API keys; empty means no authentication. */
  apiKeys?: readonly string[];
  /** Origins allowed to call the API from a browser (CORS); empty means same-origin only. */
  corsOrigins?: readonly string[];
  upstreams?: readonly Upstream[];
  /** Requests per minute per client; 0 turns the limit off. Default DEFAULT_RATE_LIMIT_PER_MINUTE. */
  rateLimitPerMinute?: number;
  /** KV cache element type(s) of every slot; default f16. */
  kvType?: KvCacheTypes;
  /** Where unexpected errors are logged; default console.error. */
  log?: (err: unknown) => void;
}

export interface ServerApp {
  app: Hono;
  ctx: ServerContext;
  /** Cancels every running and queued sequence. */
  close(): void;
}

/** Paths served without an API key. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/health", ...WEB_PATHS]);

export function createServerApp(opts: ServerAppOptions): ServerApp {
  const { model } = opts;
  const nCtx = opts.nCtx ?? Math.min(model.config.nCtxTrain, 4096);
  const parallel = opts.parallel ?? L.DEFAULT_PARALLEL;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > L.MAX_PARALLEL) throw new RangeError(`parallel must be an integer from 1 to ${L.MAX_PARALLEL}, got ${parallel}`);
  if (!Number.isInteger(nCtx) || nCtx < 8) throw new RangeError(`The context size must be an integer of at least 8, got ${nCtx}`);
  const scheduler = new Scheduler(model, { parallel, nCtx, maxQueue: opts.maxQueue ?? L.DEFAULT_MAX_QUEUE, ...(opts.kvType ? { kvType: opts.kvType } : {}) });
  const metrics = new ServerMetrics();
  scheduler.onFirstToken = (ms) => metrics.recordTtft(ms);
  const ctx: ServerContext = {
    model,
    modelId: opts.modelId,
    scheduler,
    nCtx,
    upstreams: new Map((opts.upstreams ?? []).map((u) => [u.name, u])),
    metrics,
    created: Math.floor(Date.now() / 1000),
  };
  const log = opts.log ?? console.error;

  const app = new Hono();
  app.onError((err, c) => {
    const { status, body, headers } = toErrorResponse(err, log);
    return c.json(body, status as 400, headers);
  });
  app.notFound((c) => {
    const { status, body } = toErrorResponse(new ApiError(404, `Unknown route ${c.req.method} ${c.req.path}`, "not_found_error", "unknown_route"));
    return c.json(body, status as 404);
  });
  app.use(async (c, next) => {
    await next();
    // Matched route patterns only, so unknown paths cannot grow the label set.
    const route = c.req.routePath && c.req.routePath !== "/*" ? c.req.routePath : "unmatched";
    metrics.recordRequest(route, c.res.status);
    c.header("X-Content-Type-Options", "nosniff");
  });
  if (opts.corsOrigins?.length) {
    const allowed = new Set(opts.corsOrigins);
    app.use(cors({ origin: (o) => (allowed.has(o) ? o : null), allowHeaders: ["Authorization", "Content-Type"], allowMethods: ["GET", "POST", "OPTIONS"], maxAge: 600 }));
  }
  app.use(
    bodyLimit({
      maxSize: L.MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, `The request body is larger than the limit of ${L.MAX_BODY_BYTES} bytes`, "invalid_request_error", "request_too_large");
      },
    }),
  );
  if (opts.apiKeys?.length) app.use(apiKeyAuth(opts.apiKeys, PUBLIC_PATHS));
  app.use(rateLimit(opts.rateLimitPerMinute ?? L.DEFAULT_RATE_LIMIT_PER_MINUTE, PUBLIC_PATHS));

  registerHealth(app, ctx);
  registerModels(app, ctx);
  registerChatCompletions(app, ctx);
  registerCompletions(app, ctx);
  registerEmbeddings(app, ctx);
  registerTokenize(app, ctx);
  registerWeb(app);
  return { app, ctx, close: () => scheduler.close() };
}
