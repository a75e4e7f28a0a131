// What every route needs: the model and its public id, the scheduler, the upstream engines and the
// metrics. Built once by createServerApp and passed to each route's register function.

import type { LlamaModel } from "../model/model.js";
import type { Scheduler } from "./scheduler.js";
import type { ServerMetrics } from "./metrics.js";
import type { Upstream } from "./upstream.js";
import { modelNotFound } from "./errors.js";

export interface ServerContext {
  model: LlamaModel;
  /** The id clients pass as `model` (the --alias, or the file name without .gguf). */
  modelId: string;
  scheduler: Scheduler;
  /** Context window of each slot. */
  nCtx: number;
  upstreams: ReadonlyMap<string, Upstream>;
  metrics: ServerMetrics;
  /** Unix seconds when the model was loaded (the `created` of /v1/models). */
  created: number;
}

/** Which engine serves a request's `model`: this one (absent or our id), an upstream, or none (404). */
export function resolveModel(ctx: ServerContext, name: string | undefined): { local: true } | { local: false; upstream: Upstream } {
  if (name === undefined || name === ctx.modelId) return { local: true };
  const upstream = ctx.upstreams.get(name);
  if (upstream) return { local: false, upstream };
  throw modelNotFound(name);
}
