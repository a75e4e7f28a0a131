// The CLI contract that outside checks call: command names, flags, JSON shapes, and errors as one
// line plus a hint with a non-zero exit code.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
let dir: string;
let model: string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-ts-cli-"));
  model = join(dir, "tiny.gguf");
  const r = cli("synth", "-o", model, "--preset", "tiny", "--vocab", "bytes", "--type", "Q4_0", "--seed", "9");
  assert.equal(r.code, 0, r.stderr);
});

describe("llama-ts", () => {
  test("every command has --help", () => {
    for (const cmd of ["run", "inspect", "tokenize", "logits", "synth"]) {
      const r = cli(cmd, "--help");
      assert.equal(r.code, 0, cmd);
      assert.match(r.stdout, /Usage: llama-ts/);
    }
  });

  test("inspect --json reports architecture, tensors with types and shapes, and size", () => {
    const r = cli("inspect", model, "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.architecture, "llama");
    assert.ok(j.file_size > 0);
    const q = j.tensors.find((t: { name: string }) => t.name === "blk.0.attn_q.weight");
    assert.deepEqual([q.type, q.shape], ["Q4_0", [256, 256]]);
    assert.equal(j.metadata["llama.block_count"], 2);
  });

  test("tokenize --json adds BOS per metadata, and --no-bos drops it", () => {
    const withBos = JSON.parse(cli("tokenize", "-m", model, "--json", "Hi").stdout);
    const noBos = JSON.parse(cli("tokenize", "-m", model, "--no-bos", "--json", "Hi").stdout);
    assert.deepEqual(withBos.tokens.slice(1), noBos.tokens);
    assert.equal(withBos.tokens.length, noBos.tokens.length + 1);
  });

  test("tokenize --texts-json returns results in order", async () => {
    const file = join(dir, "texts.json");
    await writeFile(file, JSON.stringify(["a", "", "bc"]));
    const r = JSON.parse(cli("tokenize", "-m", model, "--no-bos", "--texts-json", file, "--json").stdout);
    assert.equal(r.results.length, 3);
    assert.deepEqual(r.results[1].tokens, []);
    assert.deepEqual(r.results[2].tokens, JSON.parse(cli("tokenize", "-m", model, "--no-bos", "--json", "bc").stdout).tokens);
  });

  test("logits --json gives n_vocab floats, and --all one row per position", () => {
    const one = JSON.parse(cli("logits", "-m", model, "--tokens", "1,70,80", "--json").stdout);
    assert.equal(one.logits.length, one.n_vocab);
    const all = JSON.parse(cli("logits", "-m", model, "--tokens", "1,70,80", "--all", "--json").stdout);
    assert.equal(all.logits.length, 3);
    assert.deepEqual(all.logits[2], one.logits);
  });

  test("run --json prints the generated ids and text; the same seed gives the same output", () => {
    const a = cli("run", "-m", model, "-p", "abc", "-n", "6", "--seed", "4", "--json");
    const b = cli("run", "-m", model, "-p", "abc", "-n", "6", "--seed", "4", "--json");
    assert.equal(a.code, 0, a.stderr);
    const j = JSON.parse(a.stdout);
    assert.ok(Array.isArray(j.tokens) && typeof j.text === "string");
    assert.equal(a.stdout, b.stdout);
  });

  test("run --temp 0 is greedy and matches the logits argmax", () => {
    const r = JSON.parse(cli("run", "-m", model, "-p", "x", "-n", "1", "--temp", "0", "--json").stdout);
    const tokens = JSON.parse(cli("tokenize", "-m", model, "--json", "x").stdout).tokens as number[];
    const { logits } = JSON.parse(cli("logits", "-m", model, "--tokens", tokens.join(","), "--json").stdout) as { logits: number[] };
    const argmax = logits.indexOf(Math.max(...logits));
    if (argmax !== 2) assert.deepEqual(r.tokens, [argmax]); // token 2 is EOS: generation would end before it
  });

  const errors: [string, string[], RegExp][] = [
    ["a missing model file", ["run", "-m", "/nonexistent.gguf", "-p", "x"], /no such file|ENOENT/i],
    ["a file that is not GGUF", ["inspect", "__FILE__"], /magic|GGUF/],
    ["a bad number", ["run", "-m", "__MODEL__", "-p", "x", "-n", "abc"], /-n takes an integer/],
    ["an unknown flag", ["run", "--bogus"], /unknown option/],
    ["an unknown preset", ["synth", "-o", "__DIR__/x.gguf", "--preset", "huge"], /Unknown preset "huge"/],
    ["overwriting without --force", ["synth", "-o", "__MODEL__"], /already exists/],
    ["bad --tokens", ["logits", "-m", "__MODEL__", "--tokens", "1,x"], /--tokens must be/],
    ["a token id out of range", ["logits", "-m", "__MODEL__", "--tokens", "999999"], /out of range/],
    ["context overflow", ["run", "-m", "__MODEL__", "-p", "hello", "-n", "100", "-c", "16"], /context holds 16/],
    ["bench --parallel 1", ["bench", "-m", "__MODEL__", "--parallel", "1"], /--parallel takes an integer/],
  ];
  for (const [what, args, pattern] of errors) {
    test(`${what} is one clear error line plus a hint and a non-zero exit`, async () => {
      const notGguf = join(dir, "not.gguf");
      await writeFile(notGguf, "this is not a model");
      const r = cli(...args.map((a) => a.replace("__MODEL__", model).replace("__FILE__", notGguf).replace("__DIR__", dir)));
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, /^error: .*\n(.*\n)?hint: /m);
    });
  }

  test("bench --json reports speeds and, with --parallel, the aggregate of sequences decoding together", () => {
    const r = cli("bench", "-m", model, "-p", "8", "-n", "6", "-r", "1", "-t", "1", "--parallel", "3", "--json");
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const key of ["pp_tok_s", "tg_tok_s", "tg_parallel_tok_s", "batching_gain", "load_s", "ttft_s", "peak_rss_mb"]) {
      assert.ok(Number.isFinite(j[key]) && j[key] > 0, `${key}: ${j[key]}`);
    }
    assert.ok(Math.abs(j.batching_gain - j.tg_parallel_tok_s / j.tg_tok_s) < 0.01);
    assert.match(r.stderr, /llama\.ts 3 sequences run 1: [\d.]+ tok\/s aggregate/);
  });

  test("synth never leaves a partial file and keeps an existing one without --force", async () => {
    const before = await readFile(model);
    cli("synth", "-o", model);
    assert.deepEqual(await readFile(model), before);
  });
});
