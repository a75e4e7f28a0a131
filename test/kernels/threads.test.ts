// The worker pool under failure and shutdown: a kernel that traps in a worker becomes an Error on
// the main thread (no hang), the pool keeps working after it, and a process that loaded a model
// on several threads exits on its own, with or without dispose().

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { kernelModule } from "../../src/kernels/wasm/kernel-module.js";
import { Shard } from "../../src/kernels/wasm/shard.js";
import { OPS } from "../../src/kernels/threads/protocol.js";
import { ThreadPool } from "../../src/kernels/threads/pool.js";
import { share } from "../../src/kernels/threads/protocol.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("kernel thread pool", () => {
  test("shares cover every unit once, aligned", () => {
    for (const [count, align, n] of [[100, 16, 2], [7, 1, 3], [1, 1, 4], [0, 1, 2], [4096, 16, 3]] as const) {
      let next = 0;
      for (let t = 0; t < n; t++) {
        const [lo, hi] = share(count, align, t, n);
        assert.ok(lo === next || lo === hi, `thread ${t} starts at ${lo}, expected ${next}`);
        if (hi > lo) {
          if (t < n - 1 && hi < count) assert.equal((hi - lo) % align, 0);
          next = hi;
        }
      }
      assert.equal(next, count);
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
      // elements 32..63 go to the worker; there its pointer lies past the end of memory
      const bad = shard.memory.buffer.byteLength - 128;
      assert.throws(() => pool.run([{ op: "add", shard: 0, count: 64, align: 32, args: [bad, y] }]), /kernel worker failed: .*memory access out of bounds/i);
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
