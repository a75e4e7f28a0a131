// Per-client rate limit: a token bucket of `perMinute` requests per API key (or per client address
// when the server has no keys), refilled continuously. Over the limit → 429 with Retry-After.

import type { MiddlewareHandler } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import { ApiError } from "../errors.js";
import { CLIENT_ID } from "./auth.js";

/** Clients tracked at once; idle full buckets are dropped first when this is reached. */
const MAX_CLIENTS = 10_000;

export function rateLimit(perMinute: number, publicPaths: ReadonlySet<string>): MiddlewareHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = perMinute / 60_000;
  return async (c, next) => {
    if (perMinute <= 0 || c.req.method === "OPTIONS" || publicPaths.has(c.req.path)) return next();
    let id = c.get(CLIENT_ID as never) as string | undefined;
    if (!id) {
      let addr = "unknown";
      try {
        addr = getConnInfo(c).remote.address ?? "unknown";
      } catch {
        // not running under @hono/node-server (app.request in tests)
      }
      id = `addr:${addr}`;
    }
    const now = Date.now();
    let b = buckets.get(id);
    if (!b) {
      if (buckets.size >= MAX_CLIENTS) {
        for (const [k, v] of buckets) if (v.tokens + (now - v.at) * perMs >= perMinute) buckets.delete(k);
        if (buckets.size >= MAX_CLIENTS) buckets.clear();
      }
      b = { tokens: perMinute, at: now };
      buckets.set(id, b);
    }
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * perMs);
    b.at = now;
    if (b.tokens < 1) {
      const wait = Math.ceil((1 - b.tokens) / perMs / 1000);
      throw new ApiError(429, `Rate limit reached: at most ${perMinute} requests per minute per client; retry in ${wait} s`, "rate_limit_error", "rate_limit_exceeded", null, {
        "Retry-After": String(wait),
      });
    }
    b.tokens -= 1;
    return next();
  };
}
