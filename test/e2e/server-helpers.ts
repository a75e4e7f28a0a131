// Shared by the server end-to-end tests: synthesize a small model, start a server on a random
// loopback port, and small HTTP helpers. Models are written to a fresh temporary directory.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel, type LlamaModel } from "../../src/model/model.js";
import { synthesizeModel, type SynthOptions } from "../../src/synth/synth.js";
import { startServer, type RunningServer, type StartServerOptions } from "../../src/server/server.js";

/** A peaked tiny model (outputGain 4): greedy choices are far from ties, so batching cannot flip them. */
export const TINY_BYTES: SynthOptions = { preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 3, outputGain: 4 };

export async function synthModel(opts: SynthOptions = TINY_BYTES): Promise<{ model: LlamaModel; path: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "llama-ts-server-"));
  const path = join(dir, "model.gguf");
  await synthesizeModel(path, opts);
  const model = await loadModel(path);
  const cleanup = async () => {
    // WebAssembly backends own worker threads; release them so the test process can exit.
    (model as { dispose?: () => void }).dispose?.();
    await rm(dir, { recursive: true, force: true });
  };
  return { model, path, cleanup };
}

export async function serve(model: LlamaModel, opts: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  return startServer({ model, modelId: "tiny", port: 0, log: () => {}, ...opts });
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
}

/** Polls until `check` is true (or fails after `ms`). */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Parses a whole SSE body into its data payloads (the final "[DONE]" kept as a string). */
export function parseSse(text: string): unknown[] {
  return text
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice(6))
    .map((d) => (d === "[DONE]" ? d : JSON.parse(d)));
}

/**
 * Slows every decode step of `model` to at least `ms` (a blocking sleep after the forward pass),
 * for tests that must act while a reply is still streaming: a tiny model on WebAssembly kernels
 * writes thousands of tokens per second, so a 300-token reply can end before the client reacts.
 * Returns the function that restores the model's own pace.
 */
export function paceDecoding(model: LlamaModel, ms = 10): () => void {
  const pass = model.forwardPass;
  const own = pass.forwardMany;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  pass.forwardMany = function (this: typeof pass, ...args: Parameters<typeof own>) {
    const out = own.apply(this, args);
    Atomics.wait(sleeper, 0, 0, ms);
    return out;
  };
  return () => {
    pass.forwardMany = own;
  };
}
