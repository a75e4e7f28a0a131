// `llama-ts chat` driven through piped stdin, as a user would type: replies stream, /save and
// /load round-trip the conversation, /reset clears it, Ctrl-C (SIGINT) stops a reply without
// leaving, twice at the prompt leaves, and bad input gives one-line errors.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { synthesizeModel } from "../../src/synth/synth.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
let dir: string;
let model: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-ts-chat-cli-"));
  model = join(dir, "tiny-llama3.gguf");
  await synthesizeModel(model, { preset: "tiny", vocab: "llama3", seed: 13, shape: { nEmbd: 64, nHead: 2, nHeadKv: 1, nFf: 128 } });
});

/** A running `llama-ts chat`; `until(re)` resolves with the output once it matches. */
function startChat(...args: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["--import", "tsx", MAIN, "chat", "-m", model, ...args]);
  let out = "";
  let chunks = 0;
  const waiters: { re: RegExp; from: number; resolve: (s: string) => void }[] = [];
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (d: string) => {
    out += d;
    chunks++;
    for (const w of [...waiters]) {
      if (w.re.test(out.slice(w.from))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(out.slice(w.from));
      }
    }
  });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    child,
    exited,
    get out() {
      return out;
    },
    get chunks() {
      return chunks;
    },
    get err() {
      return err;
    },
    send(line: string) {
      child.stdin.write(line + "\n");
    },
    until(re: RegExp): Promise<string> {
      const from = out.length;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output so far:\n${out}\nstderr:\n${err}`)), 60_000);
        waiters.push({ re, from, resolve: (s) => (clearTimeout(timer), resolve(s)) });
      });
    },
  };
}

describe("llama-ts chat", () => {
  test("a reply streams; /save, /reset and /load round-trip the conversation", async () => {
    const c = startChat("-n", "12", "--seed", "1", "--system", "Be brief.", "-v");
    const before = c.chunks;
    c.send("Hello there");
    const first = await c.until(/\[prompt (\d+) tokens, (\d+) reused/);
    assert.ok(c.chunks - before >= 3, `the reply came in ${c.chunks - before} pieces`);
    const firstPrompt = Number(/\[prompt (\d+) tokens/.exec(first)![1]);
    c.send(`/save ${join(dir, "a.json")}`);
    await c.until(/saved 3 messages/);
    c.send("/reset");
    await c.until(/conversation cleared/);
    c.send(`/save ${join(dir, "b.json")}`);
    await c.until(/saved 1 messages/);
    c.send(`/load ${join(dir, "a.json")}`);
    await c.until(/loaded 3 messages/);
    c.send(`/save ${join(dir, "c.json")}`);
    await c.until(/saved 3 messages/);
    c.send("And again");
    const second = await c.until(/\[prompt (\d+) tokens, (\d+) reused/);
    c.send("/exit");
    assert.equal(await c.exited, 0, c.err);

    const a = JSON.parse(await readFile(join(dir, "a.json"), "utf8"));
    const b = JSON.parse(await readFile(join(dir, "b.json"), "utf8"));
    const cc = JSON.parse(await readFile(join(dir, "c.json"), "utf8"));
    assert.deepEqual(a.messages.map((m: { role: string }) => m.role), ["system", "user", "assistant"]);
    assert.equal(a.messages[1].content, "Hello there");
    assert.deepEqual(b.messages, [{ role: "system", content: "Be brief." }], "/reset cleared the history");
    assert.deepEqual(cc, a, "/load restored exactly what /save wrote");
    // The loaded history is in the next prompt, and its cached prefix is reused.
    const [, p2, reused2] = /\[prompt (\d+) tokens, (\d+) reused/.exec(second)!;
    assert.ok(Number(p2) > firstPrompt + 5, `second prompt ${p2} tokens vs first ${firstPrompt}`);
    assert.ok(Number(reused2) >= firstPrompt, `reused ${reused2}`);
  });

  test("Ctrl-C stops the reply but not the chat; twice at the prompt leaves", async () => {
    const c = startChat("-n", "400", "--seed", "2");
    c.send("Tell me a very long story");
    await c.until(/\S/);
    c.child.kill("SIGINT");
    await c.until(/\[stopped\]/);
    c.send("/help");
    await c.until(/\/reset/);
    c.child.kill("SIGINT");
    await c.until(/press Ctrl-C again/);
    c.child.kill("SIGINT");
    assert.equal(await c.exited, 0);
  });

  test("bad input: one-line errors, and the chat goes on", async () => {
    const c = startChat("-n", "4");
    c.send(`/load ${join(dir, "missing.json")}`);
    await c.until(/error: .*ENOENT|error: .*no such file/);
    c.send("/frobnicate");
    await c.until(/error: Unknown command "\/frobnicate"/);
    c.send("/save");
    await c.until(/error: \/save needs a file name/);
    c.child.stdin.end(); // end of input leaves
    assert.equal(await c.exited, 0);

    // Without -m the embedded default model answers; with it missing, the error says so.
    const noModel = spawnSync(process.execPath, ["--import", "tsx", MAIN, "chat"], { encoding: "utf8", env: { ...process.env, LLAMA_TS_DEFAULT_MODEL: join(dir, "missing.gguf") } });
    assert.equal(noModel.status, 2);
    assert.match(noModel.stderr, /^error: No model given, and the embedded default model is missing \(.*missing\.gguf\)\nhint: .*npm run train:default/);
    const withDefault = spawnSync(process.execPath, ["--import", "tsx", MAIN, "chat", "--temp", "0", "-n", "16"], { encoding: "utf8", input: "What is 2 + 3?\n" });
    assert.equal(withDefault.status, 0, withDefault.stderr);
    assert.ok(withDefault.stdout.trim().length > 0, "the default model replied");
    const badPolicy = spawnSync(process.execPath, ["--import", "tsx", MAIN, "chat", "-m", model, "--context-policy", "nope"], { encoding: "utf8" });
    assert.equal(badPolicy.status, 2);
    assert.match(badPolicy.stderr, /--context-policy takes "error" or "drop-oldest"/);
    const help = spawnSync(process.execPath, ["--import", "tsx", MAIN, "chat", "--help"], { encoding: "utf8" });
    assert.match(help.stdout, /Usage: llama-ts chat/);
  });
});
