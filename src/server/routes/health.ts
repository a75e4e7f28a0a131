// GET /health (no API key needed: load balancers probe it) and GET /metrics (Prometheus text).

import type { Hono } from "hono";
import type { ServerContext } from "../server-context.js";

export function registerHealth(app: Hono, ctx: ServerContext): void {
  app.get("/health", (c) => {
    const s = ctx.scheduler;
    return c.json({ status: "ok", slots_idle: s.slots.length - s.active, slots_processing: s.active, queue_depth: s.queueDepth });
  });
  app.get("/metrics", (c) => c.text(ctx.metrics.render(ctx.scheduler), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }));
}
