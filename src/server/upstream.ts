// `--upstream name=URL[#remote-model]`: a remote OpenAI-compatible engine (vLLM, llama-server,
// another llama.ts) served under a model name of ours. Requests naming it are forwarded with the
// body unchanged except `model`, and the response (an SSE stream included) is piped back as it
// arrives; a client that disconnects aborts the upstream request, which frees its slot there too.

import type { Context } from "hono";
import { ApiError } from "./errors.js";

export interface Upstream {
  /** The model id clients use here. */
  name: string;
  /** Base URL of the remote API, e.g. http://10.0.0.5:8000/v1 (no trailing slash). */
  baseUrl: string;
  /** The model id the remote server knows (default: `name`). */
  remoteModel: string;
  apiKey?: string;
}

/** Parses "name=URL[#remote-model]"; throws RangeError with the offending value. */
export function parseUpstream(spec: string): Upstream {
  const eq = spec.indexOf("=");
  const name = eq > 0 ? spec.slice(0, eq).trim() : "";
  if (!name) throw new RangeError(`Upstream "${spec}" must look like name=URL, e.g. big=http://10.0.0.5:8000/v1`);
  let url: URL;
  try {
    url = new URL(spec.slice(eq + 1).trim());
  } catch {
    throw new RangeError(`Upstream "${name}" has an invalid URL "${spec.slice(eq + 1)}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new RangeError(`Upstream "${name}" URL must be http or https, got "${url.protocol}"`);
  const remoteModel = decodeURIComponent(url.hash.slice(1)) || name;
  url.hash = "";
  return { name, baseUrl: url.toString().replace(/\/+$/, ""), remoteModel };
}

const FORWARDED_RESPONSE_HEADERS = ["content-type", "cache-control", "retry-after", "x-request-id"];

/** Forwards one request to the upstream and streams its response back. */
export async function proxyToUpstream(c: Context, up: Upstream, path: string, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json", Accept: c.req.header("accept") ?? "application/json" };
  if (up.apiKey) headers.Authorization = `Bearer ${up.apiKey}`;
  let res: Response;
  try {
    res = await fetch(`${up.baseUrl}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify({ ...(body as object), model: up.remoteModel }),
      signal: c.req.raw.signal,
    });
  } catch (err) {
    if (c.req.raw.signal.aborted) throw new ApiError(499, "The client closed the request", "invalid_request_error", "cancelled");
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiError(502, `The upstream engine "${up.name}" at ${up.baseUrl} could not be reached: ${cause?.code ?? cause?.message ?? (err as Error).message}`, "server_error", "upstream_unreachable");
  }
  const out = new Headers();
  for (const h of FORWARDED_RESPONSE_HEADERS) {
    const v = res.headers.get(h);
    if (v !== null) out.set(h, v);
  }
  out.set("X-Llama-Ts-Upstream", up.name);
  return new Response(res.body, { status: res.status, headers: out });
}
