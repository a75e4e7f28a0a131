// The worker pool under failure and shutdown: a kernel that traps (in a worker or on the main
// thread) becomes an Error on the main thread (no hang), the pool keeps working after it, and a process that loaded a model
// on several threads exits on its own, with or without dispose().

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { kernelModule } from "../../src/kernels/wasm/kernel-module.js";
import { Shard } from "../../src/kernels/wasm/shard.js";
import { chunkCount, CONTROL_BYTES, OPS, publish, runChunks, writeJob } from "../../src/kernels/threads/protocol.js";
import { ThreadPool } from "../../src/kernels/threads/pool.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("kernel thread pool", () => {
  test("chunks cover every unit of every sub-job exactly once, aligned", () => {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const ctl = new Int32Array(control);
    const f64 = new Float64Array(control);
    const subs = [
      { op: "add" as const, shard: 0, count: 100, align: 16, args: [1] },
      { op: "rope" as const, shard: 1, count: 7, align: 1, args: [2, 3] },
      { op: "swiglu" as const, shard: 0, count: 1, align: 1, args: [] },
    ];
    for (const nThreads of [1, 2, 3]) {
      writeJob(f64, subs);
      const total = chunkCount(f64, nThreads);
      publish(ctl, nThreads);
      const seen = subs.map((s) => new Array<number>(s.count).fill(0));
      runChunks(ctl, f64, nThreads, total, 0, nThreads, (op, shard, args, lo, hi) => {
        const i = subs.findIndex((s) => OPS.indexOf(s.op) === op);
        assert.equal(shard, subs[i]!.shard);
        assert.deepEqual(args, subs[i]!.args);
        if (hi < subs[i]!.count) assert.equal((hi - lo) % subs[i]!.align, 0);
        for (let u = lo; u < hi; u++) seen[i]![u]!++;
      }, [], (err) => assert.fail(String(err)));
      for (const s of seen) assert.ok(s.every((n) => n === 1), `${nThreads} thread(s): ${JSON.stringify(s)}`);
      // a stale generation claims nothing
      publish(ctl, nThreads + 10);
      runChunks(ctl, f64, nThreads, total, 0, nThreads, () => assert.fail("claimed a chunk of a newer job"), [], () => {});
    }
  });

  test("a trap in a worker is reported as an Error and the pool survives", async () => {
    const module = await kernelModule();
    const shard = new Shard(0, module, true, 64);
    const fns = OPS.map((n) => shard.exports[n] as (...a: number[]) => void);
    const pool = await ThreadPool.create(2, module, (op, _s, a, lo, hi, tid) => fns[op]!(...a, lo, hi, tid));
    try {
      pool.addShard({ index: 0, memory: shard.memory, f16Table: shard.f16Table });
      const x = shard.allocOrThrow(4 * 64, "x");
      const y = shard.allocOrThrow(4 * 64, "y");
      // elements from 32 on lie past the end of memory: whichever thread claims that chunk traps
      const bad = shard.memory.buffer.byteLength - 128;
      for (let i = 0; i < 5; i++) {
        assert.throws(() => pool.run([{ op: "add", shard: 0, count: 64, align: 32, args: [bad, y] }]), /memory access out of bounds/i);
      }
      shard.f32(x, 64).fill(1);
      shard.f32(y, 64).fill(2);
      pool.run([{ op: "add", shard: 0, count: 64, align: 32, args: [x, y] }]);
      assert.deepEqual([...shard.f32(x, 64)], new Array(64).fill(3));
    } finally {
      pool.dispose();
    }
    assert.throws(() => pool.run([]), /disposed/);
  });

  for (const dispose of [true, false]) {
    test(`a process that ran a model on 2 threads exits by itself (${dispose ? "with" : "without"} dispose)`, () => {
      const script = `
        import { synthesizeModel } from "./src/synth/synth.js";
        import { loadModel } from "./src/model/model.js";
        import { mkdtempSync } from "node:fs";
        import { tmpdir } from "node:os";
        const path = mkdtempSync(tmpdir() + "/llama-ts-") + "/m.gguf";
        await synthesizeModel(path, { preset: "tiny", vocab: "bytes", type: "Q8_0", seed: 3 });
        const model = await loadModel(path, { threads: 2 });
        const r = await model.complete("hello", { maxTokens: 4, temperature: 0 });
        console.log(model.kernels.name, r.tokens.length);
        ${dispose ? "model.dispose();" : ""}
      `;
      const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, timeout: 60_000, encoding: "utf8" });
      assert.equal(r.signal, null, `killed by ${r.signal} (the process did not exit): ${r.stderr}`);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^wasm-simd-threads 4$/m);
    });
  }
});
