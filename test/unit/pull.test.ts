// Downloads against a loopback server: a whole file, resume of a partial one from its size, cut
// connections resumed, a server without Range restarting cleanly, SHA-256 checked (a mismatch
// removes the download), and `llama-ts pull` with -o, --sha256 and split models.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { downloadFile } from "../../src/gguf/download.js";
import { HttpError } from "../../src/gguf/http-source.js";
import { synthesizeModel } from "../../src/synth/synth.js";
import { startRangeServer, type RangeServer } from "../helpers/range-server.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
let dir: string;
let model: Uint8Array;
let digest: string;
let shards: string[];
let server: RangeServer;

async function cli(...args: string[]) {
  try {
    const r = await promisify(execFile)(process.execPath, ["--import", "tsx", MAIN, ...args], { encoding: "utf8" });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function reset(opts: Partial<RangeServer["options"]> = {}) {
  Object.assign(server.options, { ranges: true, dropAfterBytes: undefined, dropTimes: 0, failTimes: 0 }, opts);
  server.log.length = 0;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-ts-pull-"));
  const served = join(dir, "served");
  await mkdir(served);
  await synthesizeModel(join(served, "m.gguf"), { preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 4 });
  shards = (await synthesizeModel(join(served, "s.gguf"), { preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 4, split: { maxShardBytes: 600_000 } })).paths;
  model = new Uint8Array(await readFile(join(served, "m.gguf")));
  digest = createHash("sha256").update(model).digest("hex");
  await writeFile(join(served, "m.gguf.sha256"), `${digest}  m.gguf\n`);
  server = await startRangeServer({ root: served });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("downloadFile", () => {
  test("downloads a whole file and verifies its SHA-256", async () => {
    reset();
    const dest = join(dir, "a.gguf");
    const r = await downloadFile(`${server.url}/m.gguf`, dest, { sha256: digest });
    assert.deepEqual(new Uint8Array(await readFile(dest)), model);
    assert.equal(r.sha256, digest);
    assert.equal(r.resumedFrom, 0);
    await assert.rejects(stat(`${dest}.partial`));
  });

  test("resumes a partial download from its size", async () => {
    reset();
    const dest = join(dir, "b.gguf");
    await writeFile(`${dest}.partial`, model.subarray(0, 700_000));
    const r = await downloadFile(`${server.url}/m.gguf`, dest, { sha256: digest });
    assert.equal(r.resumedFrom, 700_000);
    assert.equal(r.received, model.length - 700_000);
    assert.deepEqual(server.log.map((l) => l.range), ["bytes=700000-"]);
    assert.deepEqual(new Uint8Array(await readFile(dest)), model);
  });

  test("resumes connections cut mid-transfer, and retries 503s", async () => {
    reset({ dropAfterBytes: 300_000, dropTimes: 3, failTimes: 1 });
    const dest = join(dir, "c.gguf");
    const r = await downloadFile(`${server.url}/m.gguf`, dest, { retryDelayMs: 1, sha256: digest });
    assert.deepEqual(new Uint8Array(await readFile(dest)), model);
    // 503, the first try, then three resumes, each from where the bytes that arrived ended.
    const ranges = server.log.map((l) => l.range);
    assert.deepEqual(ranges.slice(0, 2), [undefined, undefined]);
    const starts = ranges.slice(2).map((r) => Number(/^bytes=(\d+)-$/.exec(r ?? "")?.[1]));
    assert.equal(starts.length, 3);
    assert.ok(starts.every((s, i) => s > (starts[i - 1] ?? 0) && s <= 300_000 * (i + 1)), JSON.stringify(ranges));
    assert.equal(r.bytes, model.length);
  });

  test("starts over when the server ignores Range, and when the partial file is longer than the remote one", async () => {
    reset({ ranges: false });
    const dest = join(dir, "d.gguf");
    await writeFile(`${dest}.partial`, new Uint8Array(1000).fill(7));
    await downloadFile(`${server.url}/m.gguf`, dest, { sha256: digest });
    assert.deepEqual(new Uint8Array(await readFile(dest)), model);
    reset();
    await writeFile(`${dest}.partial`, new Uint8Array(model.length + 10));
    await downloadFile(`${server.url}/m.gguf`, dest, { sha256: digest });
    assert.deepEqual(new Uint8Array(await readFile(dest)), model);
  });

  test("a checksum mismatch is an error and removes the download; 404 is an HttpError", async () => {
    reset();
    const dest = join(dir, "e.gguf");
    await assert.rejects(downloadFile(`${server.url}/m.gguf`, dest, { sha256: "0".repeat(64) }), /Checksum mismatch .* expected SHA-256 0{64}, got [0-9a-f]{64}; the download was removed/);
    await assert.rejects(stat(dest));
    await assert.rejects(stat(`${dest}.partial`));
    await assert.rejects(downloadFile(`${server.url}/none.gguf`, dest), (e: Error) => e instanceof HttpError && e.status === 404);
    await assert.rejects(downloadFile(`${server.url}/m.gguf`, dest, { sha256: "abc" }), /is not a SHA-256 digest/);
  });
});

describe("llama-ts pull", () => {
  test("saves to -o, checks a .sha256 URL and prints the path", async () => {
    reset();
    const out = join(dir, "pulled.gguf");
    const r = await cli("pull", `${server.url}/m.gguf`, "-o", out, "--sha256", `${server.url}/m.gguf.sha256`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${out}\n`);
    assert.match(r.stderr, /saved .*pulled\.gguf: 1\.\d MiB in .* s \(.* MiB\/s\), SHA-256 verified/);
    assert.deepEqual(new Uint8Array(await readFile(out)), model);
  });

  test("downloads every shard of a split model into the cache directory", async () => {
    reset();
    const cache = join(dir, "cache");
    const r = await promisify(execFile)(process.execPath, ["--import", "tsx", MAIN, "pull", `${server.url}/${basename(shards[0]!)}`], { encoding: "utf8", env: { ...process.env, LLAMA_TS_CACHE: cache } });
    assert.equal(r.stdout, `${join(cache, basename(shards[0]!))}\n`);
    assert.deepEqual((await readdir(cache)).sort(), shards.map((s) => basename(s)).sort());
  });

  test("one-line errors with hints for bad input", async () => {
    reset();
    let r = await cli("pull", "--help");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: llama-ts pull/);
    r = await cli("pull", "model.gguf");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: "model.gguf" is not an http\(s\) URL\nhint: /);
    r = await cli("pull", `${server.url}/missing.gguf`, "-o", join(dir, "x.gguf"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: ".*missing.gguf" was not found \(HTTP 404 Not Found\)\nhint: check the URL/);
    r = await cli("pull", `${server.url}/${basename(shards[1]!)}`);
    assert.match(r.stderr, /^error: ".*" is shard 2 of \d+\nhint: pull the first shard: /);
  });
});
