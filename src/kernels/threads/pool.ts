// The kernel thread pool: the main thread plus nThreads−1 worker_threads, all running the same
// WebAssembly kernels over shared memories. A job is published by bumping a generation word;
// workers spin on it (about a microsecond per round trip) and fall asleep in Atomics.wait only
// after `spinMs` without work, so a decode step's ~4 jobs per layer cost microseconds, not the
// tens of microseconds of postMessage. Workers are unref'd: they never keep the process alive.

import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import type { WasmMemory, WasmModule } from "../wasm/wasm-api.js";
import { chunkCount, CONTROL_BYTES, ERROR, FINISHED, GEN, publish, QUIT, readMessage, runChunks, SLEEPERS, writeJob, type KernelCall, type SubJob } from "./protocol.js";

export interface PoolShard {
  index: number;
  memory: WasmMemory;
  f16Table: number;
}

/** How long a worker spins for the next job before it sleeps. */
const SPIN_MS = 0.3;
/** The main thread gives up on a job that has not finished in this time (a worker died). */
const WATCHDOG_MS = 10 * 60 * 1000;

export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly args: number[] = [];
  private lastError = "";
  private disposed = false;
  private gen = 0;

  private constructor(
    readonly nThreads: number,
    private readonly control: SharedArrayBuffer,
    private readonly mainCall: KernelCall,
  ) {
    this.ctl = new Int32Array(control);
    this.f64 = new Float64Array(control);
  }

  /** Starts nThreads−1 workers and resolves once all are ready. */
  static async create(nThreads: number, module: WasmModule, mainCall: KernelCall): Promise<ThreadPool> {
    if (!Number.isInteger(nThreads) || nThreads < 1) throw new RangeError(`Thread count must be a positive integer, got ${nThreads}`);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const pool = new ThreadPool(nThreads, control, mainCall);
    const source = workerSource();
    const ready: Promise<void>[] = [];
    for (let tid = 1; tid < nThreads; tid++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(source.code, {
        eval: source.eval,
        workerData: { tid, nThreads, control, module, shardPort: port2, spinMs: SPIN_MS },
        transferList: [port2 as never],
      });
      worker.unref();
      pool.workers.push(worker);
      pool.ports.push(port1);
      ready.push(
        new Promise((resolve, reject) => {
          const onExit = (code: number) => reject(new Error(`Kernel worker ${tid} exited with code ${code} before it was ready`));
          worker.once("exit", onExit);
          worker.once("error", reject);
          worker.once("message", () => {
            worker.off("exit", onExit);
            worker.off("error", reject);
            resolve();
          });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      pool.dispose();
      throw err;
    }
    for (const w of pool.workers) w.on("error", (e) => (pool.lastError = e.message));
    return pool;
  }

  /** Tells every worker about a memory shard (they instantiate it before its first job). */
  addShard(s: PoolShard): void {
    for (const p of this.ports) p.postMessage({ shard: s.index, memory: s.memory, f16Table: s.f16Table });
  }

  /** Runs a job on all threads (the calling one included) and returns when every chunk is done. */
  run(subs: readonly SubJob[]): void {
    if (this.disposed) throw new Error("The kernel thread pool has been disposed");
    const ctl = this.ctl;
    writeJob(this.f64, subs);
    const total = chunkCount(this.f64, this.nThreads);
    if (total > 0xffff) throw new RangeError(`A job of ${total} chunks exceeds the 65535 the claim word holds`);
    const gen = (this.gen = (this.gen + 1) | 0);
    publish(ctl, gen);
    if (Atomics.load(ctl, SLEEPERS) > 0) Atomics.notify(ctl, GEN);
    let mainError: unknown;
    runChunks(ctl, this.f64, gen, total, 0, this.nThreads, this.mainCall, this.args, (err) => (mainError ??= err));
    // Only chunks already claimed by workers remain: wait for them.
    let spins = 0;
    let deadline = 0;
    while (Atomics.load(ctl, FINISHED) < total) {
      if ((++spins & 0xffff) === 0) {
        const now = performance.now();
        if (deadline === 0) deadline = now + WATCHDOG_MS;
        else if (now > deadline) {
          this.dispose();
          throw new Error("A kernel worker stopped responding; the thread pool was shut down");
        }
      }
    }
    if (mainError !== undefined) {
      Atomics.store(ctl, ERROR, 0);
      throw mainError;
    }
    if (Atomics.load(ctl, ERROR) !== 0) {
      Atomics.store(ctl, ERROR, 0);
      throw new Error(`A kernel worker failed: ${readMessage(this.control) || this.lastError || "unknown error"}`);
    }
  }

  /** Stops the workers; the pool cannot be used afterwards. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctl, QUIT, 1);
    Atomics.store(this.ctl, GEN, (this.gen = (this.gen + 1) | 0));
    Atomics.notify(this.ctl, GEN);
    for (const p of this.ports) p.close();
    for (const w of this.workers) void w.terminate();
  }
}

/**
 * The worker's entry: worker.js next to this file once built. Running from TypeScript sources
 * (tests under tsx), workers do not inherit tsx's `--import` hooks, so a small eval'd loader
 * registers them first.
 */
function workerSource(): { code: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith(".ts")) return { code: new URL("./worker.js", import.meta.url), eval: false };
  const url = JSON.stringify(new URL("./worker.ts", import.meta.url).href);
  return { code: `import("tsx/esm/api").then(({ register }) => { register(); return import(${url}); })`, eval: true };
}
