// The chat page at GET / in real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): type a message, watch tokens stream in, press Stop mid-stream (the server
// frees the slot), reload and find the conversation kept in localStorage. A screenshot goes to
// .cache/chat-page.png for a human look.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import type { RunningServer } from "../../src/server/server.js";
import { paceDecoding, serve, synthModel, waitFor } from "./server-helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const cacheDir = fileURLToPath(new URL("../../.cache/", import.meta.url));
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;

let server: RunningServer;
let browser: Browser;
let cleanup: () => Promise<void>;

before(async () => {
  if (skip) return;
  const m = await synthModel();
  cleanup = m.cleanup;
  // The test presses Stop mid-reply, so replies must stream for seconds, not milliseconds.
  paceDecoding(m.model, 10);
  server = await serve(m.model, { nCtx: 2048, parallel: 2, apiKeys: ["page-key"] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});
after(async () => {
  if (skip) return;
  await browser?.close();
  await server?.stop();
  await cleanup?.();
});

/** Makes the page's requests run long: a random-weight model may otherwise end its reply early. */
async function longReplies(page: Page): Promise<void> {
  await page.route("**/v1/chat/completions", (route) => {
    const body = JSON.parse(route.request().postData() ?? "{}");
    void route.continue({ postData: JSON.stringify({ ...body, ignore_eos: true }) });
  });
}

test("type, stream, stop, reload", { skip, timeout: 120_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // The one expected failure: the first model list without a key (401), which Chromium logs.
  page.on("console", (m) => m.type() === "error" && !/status of 401/.test(m.text()) && errors.push(m.text()));
  await longReplies(page);
  await page.goto(server.url);
  // Without the key the model list fails with a clear message.
  await page.getByTestId("error").waitFor({ state: "visible" });
  assert.match(await page.getByTestId("error").innerText(), /API key/);
  await page.getByTestId("api-key").fill("page-key");
  await page.getByTestId("api-key").dispatchEvent("change");
  await page.locator("#model option").first().waitFor({ state: "attached" });
  assert.equal(await page.getByTestId("model").inputValue(), "tiny");
  assert.ok(await page.getByTestId("error").isHidden());

  await page.getByTestId("system").fill("You are a test.");
  await page.getByTestId("temperature").fill("0.3");
  await page.getByTestId("input").fill("Hello from Chromium");
  await page.getByTestId("send").click();

  const reply = page.locator("#messages li.assistant .text").last();
  // Streaming: the reply grows over several observations while the Stop button is enabled.
  const lengths: number[] = [];
  await waitFor(async () => {
    lengths.push((await reply.innerText()).length);
    return new Set(lengths.filter((n) => n > 0)).size >= 3;
  }, 30_000, "the reply to grow in several steps");
  assert.ok(await page.getByTestId("stop").isEnabled());
  assert.equal(server.ctx.scheduler.active, 1);
  await waitFor(async () => /tokens\/s/.test(await page.getByTestId("speed").innerText()), 10_000, "a tokens/s figure");
  await page.screenshot({ path: (mkdirSync(cacheDir, { recursive: true }), `${cacheDir}chat-page-streaming.png`) });

  await page.getByTestId("stop").click();
  await waitFor(() => server.ctx.scheduler.active === 0, 3000, "the server to free the slot after Stop");
  assert.ok(await page.getByTestId("send").isEnabled());
  const stopped = await reply.innerText();
  await page.waitForTimeout(300);
  assert.equal(await reply.innerText(), stopped, "nothing arrives after Stop");
  assert.match(await page.locator("#messages li.assistant .note").last().innerText(), /stopped/);

  // A second, short exchange reports context usage from the final usage chunk.
  await page.unroute("**/v1/chat/completions");
  await page.getByTestId("max-tokens").fill("5");
  await page.getByTestId("input").fill("Second message");
  await page.getByTestId("input").press("Enter");
  await waitFor(async () => /\/ 2048 tokens/.test(await page.getByTestId("context").innerText()), 30_000, "the context usage figure");
  await page.screenshot({ path: `${cacheDir}chat-page.png` });

  // The conversation survives a reload (localStorage), settings too.
  await page.reload();
  await page.locator("#messages li").nth(3).waitFor();
  const roles = await page.locator("#messages li").evaluateAll((els) => els.map((e) => e.className));
  assert.deepEqual(roles, ["user", "assistant", "user", "assistant"]);
  assert.equal(await page.locator("#messages li.user .text").first().innerText(), "Hello from Chromium");
  assert.equal(await page.getByTestId("system").inputValue(), "You are a test.");
  assert.equal(await page.getByTestId("temperature").inputValue(), "0.3");
  await page.getByTestId("new-chat").click();
  assert.equal(await page.locator("#messages li").count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});
