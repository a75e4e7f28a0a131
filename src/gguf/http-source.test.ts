// Loading over HTTP against a loopback server: range reads give the same model as the file,
// split models load from a URL, cut connections and 503s are retried and resumed, a server that
// ignores Range is read whole under a size cap (or refused clearly), and bad answers are errors.

import assert from "node:assert/strict";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startRangeServer, type RangeServer } from "../../test/helpers/range-server.js";
import { ModelFormatError } from "../errors.js";
import { loadModel } from "../model/model.js";
import { synthesizeModel } from "../synth/synth.js";
import { GgufFile } from "./gguf-file.js";
import { HttpError, httpSource, parseContentRange } from "./http-source.js";

let dir: string;
let model: string;
let shards: string[];
let server: RangeServer;
const fast = { retryDelayMs: 1 };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-ts-http-"));
  model = join(dir, "m.gguf");
  await synthesizeModel(model, { preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 3 });
  shards = (await synthesizeModel(join(dir, "s.gguf"), { preset: "tiny", type: "Q8_0", vocab: "bytes", seed: 3, split: { maxShardBytes: 400_000 } })).paths;
  server = await startRangeServer({ root: dir });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function reset(opts: Partial<RangeServer["options"]> = {}) {
  Object.assign(server.options, { ranges: true, dropAfterBytes: undefined, dropTimes: 0, failTimes: 0, noContentLength: false }, opts);
  server.log.length = 0;
}

describe("httpSource", () => {
  it("loads the same model from a URL as from the file, with range requests only", async () => {
    reset();
    const tokens = [1, 2, 3, 4, 5];
    const fromFile = (await loadModel(model)).logits(tokens)[0];
    let progress = 0;
    const fromUrl = await loadModel(`${server.url}/m.gguf`, { http: { chunkSize: 100_000, onProgress: (p) => (progress = p.loadedBytes / p.totalBytes) } });
    assert.deepEqual(fromUrl.logits(tokens)[0], fromFile);
    assert.ok(server.log.length > 5 && server.log.every((r) => r.status === 206 && r.range), JSON.stringify(server.log.slice(0, 3)));
    assert.ok(progress > 0.99, `progress ended at ${progress}`);
  });

  it("loads a split model from the URL of any shard", async () => {
    reset();
    const f = await GgufFile.open(`${server.url}/${basename(shards[1]!)}?x=1`, { http: fast });
    assert.equal(f.shards.length, shards.length);
    assert.ok(f.shards.every((s, i) => s.location === `${server.url}/${basename(shards[i]!)}?x=1`));
    const m = await loadModel(`${server.url}/${basename(shards[0]!)}`);
    assert.deepEqual(m.logits([7, 8, 9])[0], (await loadModel(model)).logits([7, 8, 9])[0]);
  });

  it("resumes ranges cut off mid-transfer and retries 503s", async () => {
    reset({ dropAfterBytes: 50_000, dropTimes: 3, failTimes: 2 });
    const src = await httpSource(`${server.url}/m.gguf`, { ...fast, chunkSize: 300_000 });
    const bytes = await src.read(0, src.size);
    assert.deepEqual(bytes, new Uint8Array(await readFile(model)));
    assert.equal(server.log.filter((r) => r.status === 503).length, 2);
    // readInto fills a caller's buffer (e.g. WebAssembly memory) in place.
    const arena = new Uint8Array(1_000_000).fill(0xee);
    await src.readInto(arena.subarray(10, 600_010), 500_000);
    assert.deepEqual(arena.subarray(10, 600_010), bytes.subarray(500_000, 1_100_000));
    assert.equal(arena[9], 0xee);
    assert.equal(arena[600_010], 0xee);
    // A resumed range starts where the cut one stopped.
    assert.ok(server.log.some((r) => r.range?.startsWith("bytes=50000-")), JSON.stringify(server.log));
  });

  it("gives up with a clear error when the connection keeps dropping", async () => {
    reset();
    const src = await httpSource(`${server.url}/m.gguf`, { ...fast, retries: 2, chunkSize: 100_000 });
    reset({ dropAfterBytes: 10, dropTimes: 100 });
    await assert.rejects(src.read(1 << 20, 100_000), (e: Error) => e instanceof HttpError && /closed early.*\(gave up after 3 tries\)/.test(e.message));
  });

  it("reads a server that ignores Range whole, under a size cap, and refuses it above", async () => {
    reset({ ranges: false });
    const src = await httpSource(`${server.url}/m.gguf`);
    assert.equal(src.ranged, false);
    assert.deepEqual(await src.read(100, 50), new Uint8Array(await readFile(model)).subarray(100, 150));
    const size = src.size;
    reset({ ranges: false });
    await assert.rejects(httpSource(`${server.url}/m.gguf`, { maxWholeBody: 1000 }), new RegExp(`ignores range requests and the file is ${size} bytes, over the 1000-byte limit`));
    reset({ ranges: false, noContentLength: true });
    await assert.rejects(httpSource(`${server.url}/m.gguf`, { maxWholeBody: 1000 }), /ignores range requests and the file is more than 1000 bytes/);
  });

  it("reports missing files and missing shards by name", async () => {
    reset();
    await assert.rejects(httpSource(`${server.url}/nope.gguf`), (e: Error) => e instanceof HttpError && e.status === 404 && e.message.startsWith(`"${server.url}/nope.gguf" was not found (HTTP 404`));
    const gone = `${server.url}/${basename(shards[0]!).replace("s-", "t-")}`;
    await assert.rejects(GgufFile.open(gone), /was not found/);
    await rm(`${shards[1]}`);
    await assert.rejects(GgufFile.open(`${server.url}/${basename(shards[0]!)}`), (e: Error) => e instanceof ModelFormatError && /^Shard 2 of \d+ is missing: ".*s-00002-of-\d+\.gguf" was not found$/.test(e.message));
  });

  it("refuses a Content-Range that does not answer the request, and unreachable hosts", async () => {
    const body = new Uint8Array(16);
    const lying: typeof fetch = async (_url, init) => {
      const range = new Headers(init?.headers).get("range")!;
      const first = range === `bytes=0-${(4 << 20) - 1}`;
      return new Response(body, { status: 206, headers: { "content-range": first ? "bytes 0-15/1000" : "bytes 0-15/1000" } });
    };
    const src = await httpSource("http://example.invalid/m.gguf", { fetch: lying });
    assert.equal(src.size, 1000);
    await assert.rejects(src.read(500, 16), /asked for bytes 500-515|request for bytes 500-515 .* with Content-Range "bytes 0-15\/1000"/);
    assert.throws(() => parseContentRange("bytes 5-3/10", "u"), /Invalid Content-Range/);
    assert.throws(() => parseContentRange(null, "u"), /without a valid Content-Range header \(got none\)/);
    await assert.rejects(httpSource("http://127.0.0.1:1/m.gguf", { retries: 1, retryDelayMs: 1 }), (e: Error) => e instanceof HttpError && e.status === 0 && /Cannot reach/.test(e.message));
  });

  it("stops when the signal aborts", async () => {
    reset();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(httpSource(`${server.url}/m.gguf`, { signal: controller.signal }), { name: "AbortError" });
  });
});
