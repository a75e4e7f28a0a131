// The engine in a browser: the esbuild bundle runs in a Web Worker in headless Chromium (Debian's
// package, driven by playwright-core), loads a generated GGUF over HTTP range requests from a
// loopback server (with COOP/COEP, so the page is cross-origin isolated), generates 16 greedy
// tokens, and must produce exactly the tokens Node produces for the same model, prompt and kernels
// — with the plain-TypeScript kernels and with the WebAssembly SIMD kernels (fetched by the bundle).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { loadModel } from "../../src/model/model.js";
import { synthesizeModel } from "../../src/synth/synth.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WASM = join(ROOT, "dist/wasm/kernels-simd.wasm");
const PROMPT = "Once upon a time";
const N = 16;
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (.ci/run does)`;

let dir: string;
let server: RangeServer;
let browser: Browser;

interface BrowserRun {
  tokens: number[];
  kernels: string;
  kernelsNote?: string;
  isolated: boolean;
  loadMs: number;
  tokensPerSecond: number;
  progressEvents: number;
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "llama-ts-browser-"));
  // Served as the package lays it out: dist/browser/ beside dist/wasm/.
  const { buildBrowser } = (await import(join(ROOT, "scripts/build-browser.mjs"))) as { buildBrowser(outdir: string): Promise<unknown> };
  await buildBrowser(join(dir, "dist/browser"));
  await mkdir(join(dir, "dist/wasm"), { recursive: true });
  if (existsSync(WASM)) await copyFile(WASM, join(dir, "dist/wasm/kernels-simd.wasm"));
  await mkdir(join(dir, "models"));
  await synthesizeModel(join(dir, "models/tiny.gguf"), { preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 17, outputGain: 12, shape: { nLayer: 3 } });
  await writeFile(join(dir, "index.html"), "<!doctype html><meta charset=utf-8><title>llama.ts worker test</title>\n");
  server = await startRangeServer({ root: dir, headers: { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The slice of the DOM Worker the page script uses (the test is type-checked without the DOM lib). */
interface PageWorker {
  onerror: ((e: { message: string }) => void) | null;
  onmessage: ((e: { data: any }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}

async function runInBrowser(kernels: "js" | "wasm-simd"): Promise<BrowserRun> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(`${server.url}/index.html`);
    return await page.evaluate(
      ({ kernels, prompt, n }) =>
        new Promise<BrowserRun>((resolve, reject) => {
          const W = (globalThis as unknown as { Worker: new (url: string, o: { type: string }) => PageWorker }).Worker;
          const worker = new W("/dist/browser/worker.js", { type: "module" });
          let loaded: { kernels: string; kernelsNote?: string; loadMs: number } | undefined;
          let progressEvents = 0;
          worker.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
          worker.onmessage = ({ data }) => {
            if (data.type === "progress") progressEvents++;
            else if (data.type === "loaded") {
              loaded = data;
              worker.postMessage({ type: "generate", id: 1, prompt, options: { temperature: 0, maxTokens: n, ignoreEog: true } });
            } else if (data.type === "done") {
              worker.terminate();
              resolve({
                tokens: data.result.tokens,
                kernels: loaded!.kernels,
                ...(loaded!.kernelsNote && { kernelsNote: loaded!.kernelsNote }),
                isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
                loadMs: loaded!.loadMs,
                tokensPerSecond: data.result.timings.generatedTokensPerSecond,
                progressEvents,
              });
            } else if (data.type === "error") reject(new Error(`${data.name}: ${data.message}`));
          };
          worker.postMessage({ type: "load", url: "/models/tiny.gguf", options: { kernels } });
        }),
      { kernels, prompt: PROMPT, n: N },
    );
  } finally {
    await page.close();
    assert.deepEqual(errors, []);
  }
}

async function runInNode(kernels: "js" | "wasm-simd"): Promise<number[]> {
  const model = await loadModel(join(dir, "models/tiny.gguf"), { kernels } as never);
  try {
    return (await model.complete(PROMPT, { temperature: 0, maxTokens: N, ignoreEog: true })).tokens;
  } finally {
    (model as { dispose?: () => void }).dispose?.();
  }
}

describe("the engine in a browser Web Worker", { skip }, () => {
  test("plain-TypeScript kernels: the same 16 greedy tokens as Node", async () => {
    const expected = await runInNode("js");
    const got = await runInBrowser("js");
    console.log(`browser (js kernels, isolated=${got.isolated}): ${JSON.stringify(got.tokens)}, load ${got.loadMs.toFixed(0)} ms, ${got.tokensPerSecond.toFixed(1)} tok/s`);
    assert.equal(got.kernels, "js");
    assert.ok(got.isolated, "the page should be cross-origin isolated (COOP/COEP)");
    assert.ok(got.progressEvents > 0);
    assert.deepEqual(got.tokens, expected);
  });

  test("WebAssembly SIMD kernels: the same 16 greedy tokens as Node", { skip: existsSync(WASM) ? false : `no ${WASM}: run npm run build` }, async () => {
    const expected = await runInNode("wasm-simd");
    const got = await runInBrowser("wasm-simd");
    console.log(`browser (${got.kernels} kernels): ${JSON.stringify(got.tokens)}, load ${got.loadMs.toFixed(0)} ms, ${got.tokensPerSecond.toFixed(1)} tok/s`);
    assert.equal(got.kernelsNote, undefined);
    assert.notEqual(got.kernels, "js");
    assert.deepEqual(got.tokens, expected);
  });
});
