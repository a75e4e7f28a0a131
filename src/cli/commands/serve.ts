// llama-ts serve: the OpenAI-compatible HTTP server (src/server) around one model, with
// continuous batching over --parallel slots. Binds 127.0.0.1 unless told otherwise; any other
// address needs an API key or --insecure.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { checkBindSecurity, startServer } from "../../server/server.js";
import { parseUpstream, type Upstream } from "../../server/upstream.js";
import { DEFAULT_MAX_QUEUE, DEFAULT_PARALLEL, DEFAULT_RATE_LIMIT_PER_MINUTE, MAX_PARALLEL } from "../../server/limits.js";
import { MAX_CONTEXT } from "../../limits.js";
import { intOption, UsageError } from "../errors.js";
import { loadForCli, resolveModelPath } from "./load.js";

interface ServeOpts {
  model?: string;
  host: string;
  port: number;
  apiKey: string[];
  apiKeyFile?: string;
  parallel: number;
  ctxSize?: number;
  maxQueue: number;
  corsOrigin: string[];
  upstream: string[];
  upstreamApiKey: string[];
  rateLimit: number;
  alias?: string;
  insecure?: boolean;
  threads?: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

async function readKeys(opts: ServeOpts): Promise<string[]> {
  const keys = [...opts.apiKey];
  if (opts.apiKeyFile) {
    const text = await readFile(opts.apiKeyFile, "utf8");
    const fromFile = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    if (fromFile.length === 0) throw new UsageError(`The API key file "${opts.apiKeyFile}" holds no key`, "write one key per line (lines starting with # are comments)");
    keys.push(...fromFile);
  }
  for (const k of keys) {
    if (/\s/.test(k) || k.length === 0) throw new UsageError("An API key must be non-empty and contain no whitespace");
  }
  return keys;
}

function readUpstreams(opts: ServeOpts): Upstream[] {
  const ups = opts.upstream.map((spec) => {
    try {
      return parseUpstream(spec);
    } catch (err) {
      throw new UsageError((err as Error).message, "use --upstream name=URL, e.g. big=http://10.0.0.5:8000/v1 (append #remote-model to rename)");
    }
  });
  for (const spec of opts.upstreamApiKey) {
    const eq = spec.indexOf("=");
    const up = ups.find((u) => u.name === spec.slice(0, eq));
    if (eq <= 0 || !up) throw new UsageError(`--upstream-api-key "${spec.slice(0, Math.max(eq, 0))}" names no --upstream`, "use --upstream-api-key name=KEY with the name of an --upstream");
    up.apiKey = spec.slice(eq + 1);
  }
  return ups;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the model over an OpenAI-compatible HTTP API (with a chat page at /)")
    .option("-m, --model <path>", "GGUF model")
    .option("--host <addr>", "address to bind; anything but loopback needs --api-key-file or --insecure", "127.0.0.1")
    .option("--port <n>", "port (0 picks a free one)", intOption("--port", 0, 65535), 8080)
    .option("--api-key <key>", "accept this API key (repeatable; prefer --api-key-file: command lines are visible to other users)", collect, [])
    .option("--api-key-file <path>", "accept the keys in this file, one per line")
    .option("--parallel <n>", `sequences decoded together (continuous batching slots)`, intOption("--parallel", 1, MAX_PARALLEL), DEFAULT_PARALLEL)
    .option("-c, --ctx-size <n>", "context window per slot in tokens (default min(training context, 4096))", intOption("--ctx-size", 8, MAX_CONTEXT))
    .option("--max-queue <n>", "requests that may wait for a slot before new ones get 503", intOption("--max-queue", 0), DEFAULT_MAX_QUEUE)
    .option("--cors-origin <origin>", "allow browser calls from this origin (repeatable), e.g. https://app.example.com", collect, [])
    .option("--upstream <name=URL>", "serve model <name> from a remote OpenAI-compatible server (repeatable)", collect, [])
    .option("--upstream-api-key <name=KEY>", "API key to send to the upstream <name>", collect, [])
    .option("--rate-limit <n>", "requests per minute per API key (or client address); 0 = off", intOption("--rate-limit", 0), DEFAULT_RATE_LIMIT_PER_MINUTE)
    .option("--alias <name>", "model id clients use (default: the file name without .gguf)")
    .option("--insecure", "allow a non-loopback --host without an API key")
    .option("-t, --threads <n>", "compute threads", intOption("--threads", 1, 1024))
    .action(async (opts: ServeOpts) => {
      const apiKeys = await readKeys(opts);
      const upstreams = readUpstreams(opts);
      for (const o of opts.corsOrigin) {
        if (!/^https?:\/\/[^/\s]+$/.test(o)) throw new UsageError(`--cors-origin "${o}" is not an origin`, "give scheme://host[:port] with no path, e.g. http://localhost:5173");
      }
      try {
        checkBindSecurity(opts.host, apiKeys.length > 0, !!opts.insecure);
      } catch (err) {
        throw new UsageError((err as Error).message, "pass --api-key-file keys.txt, or --insecure on a trusted network");
      }
      const model = await loadForCli(opts.model, opts.threads);
      const modelId = opts.alias ?? resolveModelPath(opts.model).id;
      const server = await startServer({
        model,
        modelId,
        host: opts.host,
        port: opts.port,
        apiKeys,
        corsOrigins: opts.corsOrigin,
        upstreams,
        parallel: opts.parallel,
        maxQueue: opts.maxQueue,
        rateLimitPerMinute: opts.rateLimit,
        insecure: !!opts.insecure,
        ...(opts.ctxSize !== undefined && { nCtx: opts.ctxSize }),
      });
      process.stderr.write(
        `llama-ts serve: model "${modelId}", ${opts.parallel} slots × ${server.ctx.nCtx} tokens, ` +
          `${apiKeys.length ? `${apiKeys.length} API key(s)` : "no API key"}${upstreams.length ? `, upstreams: ${upstreams.map((u) => u.name).join(", ")}` : ""}\n` +
          `listening on ${server.url} (chat page at ${server.url}/)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.stop().then(() => {
            (model as { dispose?: () => void }).dispose?.();
            resolve();
          });
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
