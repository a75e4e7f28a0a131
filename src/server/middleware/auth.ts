// API-key check on every route except the public ones (/health and the static chat page, which
// holds no data: its API calls carry the key). Keys are compared in constant time: both sides are
// hashed with SHA-256 and compared with timingSafeEqual against every configured key.

import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors.js";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** The identity a request is rate-limited under: a hash of its key (never the key itself). */
export const CLIENT_ID = "clientId";

export function apiKeyAuth(keys: readonly string[], publicPaths: ReadonlySet<string>): MiddlewareHandler {
  const digests = keys.map(sha256);
  return async (c, next) => {
    if (c.req.method === "OPTIONS" || publicPaths.has(c.req.path)) return next();
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    const given = m ? sha256(m[1]!.trim()) : sha256("");
    let ok = false;
    // No early exit: the time taken does not depend on which key matched.
    for (const d of digests) ok = timingSafeEqual(given, d) || ok;
    if (!m || !ok) {
      throw new ApiError(401, m ? "Incorrect API key provided" : 'Missing API key: send the header "Authorization: Bearer <key>"', "authentication_error", "invalid_api_key", null, {
        "WWW-Authenticate": 'Bearer realm="llama-ts"',
      });
    }
    c.set(CLIENT_ID as never, `key:${given.toString("hex").slice(0, 16)}` as never);
    return next();
  };
}
