// Security defaults: API keys on every route but /health and the static page, constant-time
// comparison, per-key rate limit with Retry-After, CORS allowlist, body size limit, and the
// refusal to bind a non-loopback address without a key (library and CLI).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import type { LlamaModel } from "../../src/model/model.js";
import { checkBindSecurity, isLoopback, type RunningServer } from "../../src/server/server.js";
import { MAX_BODY_BYTES } from "../../src/server/limits.js";
import { post, serve, synthModel } from "./server-helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
let model: LlamaModel;
let path: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ model, path, cleanup } = await synthModel());
});
after(() => cleanup());

describe("API keys", () => {
  let server: RunningServer;
  before(async () => {
    server = await serve(model, { nCtx: 256, apiKeys: ["key-one", "key-two"] });
  });
  after(() => server.stop());

  test("every API route needs a valid key; /health and the chat page do not", async () => {
    for (const [method, route] of [["GET", "/v1/models"], ["POST", "/v1/chat/completions"], ["POST", "/v1/completions"], ["POST", "/v1/embeddings"], ["POST", "/tokenize"], ["POST", "/detokenize"], ["GET", "/metrics"]] as const) {
      const res = await fetch(`${server.url}${route}`, { method, body: method === "POST" ? "{}" : null });
      assert.equal(res.status, 401, route);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="llama-ts"');
      const body = (await res.json()) as { error: { type: string; code: string } };
      assert.deepEqual([body.error.type, body.error.code], ["authentication_error", "invalid_api_key"]);
    }
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    assert.equal((await fetch(`${server.url}/`)).status, 200);
    const wrong = await fetch(`${server.url}/v1/models`, { headers: { Authorization: "Bearer key-three" } });
    assert.equal(wrong.status, 401);
    const prefix = await fetch(`${server.url}/v1/models`, { headers: { Authorization: "Bearer key-on" } });
    assert.equal(prefix.status, 401);
  });

  test("each configured key works with the openai client", async () => {
    for (const apiKey of ["key-one", "key-two"]) {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
      assert.equal((await client.models.list()).data[0]!.id, "tiny");
    }
    const bad = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "nope", maxRetries: 0 });
    await assert.rejects(bad.models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError);
  });
});

describe("limits", () => {
  test("per-key rate limit answers 429 with Retry-After, separately for each key", async () => {
    const server = await serve(model, { nCtx: 256, apiKeys: ["a-key", "b-key"], rateLimitPerMinute: 3 });
    try {
      const get = (key: string) => fetch(`${server.url}/v1/models`, { headers: { Authorization: `Bearer ${key}` } });
      for (let i = 0; i < 3; i++) assert.equal((await get("a-key")).status, 200);
      const limited = await get("a-key");
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get("retry-after")) >= 1);
      assert.equal(((await limited.json()) as { error: { code: string } }).error.code, "rate_limit_exceeded");
      assert.equal((await get("b-key")).status, 200, "another key has its own budget");
      assert.equal((await fetch(`${server.url}/health`)).status, 200, "/health is never limited");
    } finally {
      await server.stop();
    }
  });

  test("a body over the size limit is a 413", async () => {
    const server = await serve(model, { nCtx: 256 });
    try {
      const res = await post(`${server.url}/v1/completions`, JSON.stringify({ prompt: "x".repeat(MAX_BODY_BYTES + 10) }));
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "request_too_large");
    } finally {
      await server.stop();
    }
  });

  test("CORS headers only for allowlisted origins", async () => {
    const server = await serve(model, { nCtx: 256, corsOrigins: ["https://app.example"] });
    const plain = await serve(model, { nCtx: 256 });
    try {
      const preflight = (url: string, origin: string) =>
        fetch(`${url}/v1/chat/completions`, { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type" } });
      const ok = await preflight(server.url, "https://app.example");
      assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example");
      assert.match(ok.headers.get("access-control-allow-headers") ?? "", /Authorization/i);
      const other = await preflight(server.url, "https://evil.example");
      assert.equal(other.headers.get("access-control-allow-origin"), null);
      const get = await fetch(`${server.url}/v1/models`, { headers: { Origin: "https://evil.example" } });
      assert.equal(get.headers.get("access-control-allow-origin"), null);
      const none = await fetch(`${plain.url}/v1/models`, { headers: { Origin: "https://app.example" } });
      assert.equal(none.headers.get("access-control-allow-origin"), null, "no CORS without --cors-origin");
    } finally {
      await server.stop();
      await plain.stop();
    }
  });

  test("/metrics is Prometheus text with the documented series", async () => {
    const server = await serve(model, { nCtx: 256 });
    try {
      await post(`${server.url}/v1/completions`, { prompt: "metrics", max_tokens: 3 });
      const text = await (await fetch(`${server.url}/metrics`)).text();
      for (const name of ["requests_total", "prompt_tokens_total", "generated_tokens_total", "tokens_per_second", "queue_depth", "active_sequences", "time_to_first_token_seconds"]) {
        assert.match(text, new RegExp(`^# TYPE llamats_${name} `, "m"), name);
      }
      assert.match(text, /^llamats_requests_total\{route="\/v1\/completions",status="200"\} 1$/m);
      assert.match(text, /^llamats_generated_tokens_total [1-9]/m);
    } finally {
      await server.stop();
    }
  });
});

describe("binding", () => {
  test("loopback addresses are recognised", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) assert.ok(isLoopback(h), h);
    for (const h of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com"]) assert.ok(!isLoopback(h), h);
  });

  test("a non-loopback bind needs a key or --insecure", () => {
    assert.throws(() => checkBindSecurity("0.0.0.0", false, false), /Refusing to listen on "0.0.0.0"/);
    checkBindSecurity("0.0.0.0", true, false);
    checkBindSecurity("0.0.0.0", false, true);
    checkBindSecurity("127.0.0.1", false, false);
  });

  test("the CLI refuses --host 0.0.0.0 without a key, with a hint, before loading the model", async () => {
    const cli = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
    const r = cli(["-m", path, "--host", "0.0.0.0"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^error: Refusing to listen on "0.0.0.0"/m);
    assert.match(r.stderr, /^hint: /m);
    const keyFile = join(path, "..", "keys.txt");
    await writeFile(keyFile, "# no keys here\n\n");
    const empty = cli(["-m", path, "--api-key-file", keyFile]);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /holds no key/);
    const badUp = cli(["-m", path, "--upstream", "nourl"]);
    assert.equal(badUp.status, 2);
    assert.match(badUp.stderr, /must look like name=URL/);
  });

  test("the CLI serves with keys from a file, under its alias, and stops on SIGTERM", { timeout: 120_000 }, async () => {
    const keyFile = join(path, "..", "cli-keys.txt");
    await writeFile(keyFile, "# team keys\ncli-key-1\n\ncli-key-2\n");
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", "-m", path, "--port", "0", "--api-key-file", keyFile, "--alias", "cli-model", "--parallel", "2"], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening" line: ${log}`)), 60_000);
        child.stderr.on("data", () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited with ${code}: ${log}`)));
      });
      assert.match(log, /model "cli-model", 2 slots/);
      assert.match(log, /2 API key\(s\)/);
      assert.equal((await fetch(`${url}/v1/models`)).status, 401);
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "cli-key-2", maxRetries: 0 });
      assert.equal((await client.models.list()).data[0]!.id, "cli-model");
      const r = await client.chat.completions.create({ model: "cli-model", messages: [{ role: "user", content: "hi" }], max_tokens: 3 });
      assert.equal(r.usage!.completion_tokens <= 3, true);
    } finally {
      const exited = child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      assert.equal(await exited, 0, "a clean exit after SIGTERM");
    }
  });
});
