// A kernel worker thread: instantiates the kernel module over every shared memory shard it is
// told about, then loops forever: wait for the main thread to publish a job (spin on the
// generation word, then sleep in Atomics.wait), claim and run chunks until none is left.
// Errors never escape the loop: they set the error word, so the main thread cannot hang.

import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { requireWasm, type WasmMemory, type WasmModule } from "../wasm/wasm-api.js";
import { chunkCount, ERROR, GEN, OPS, QUIT, runChunks, SLEEPERS, writeMessage } from "./protocol.js";

interface ShardMessage {
  shard: number;
  memory: WasmMemory;
  f16Table: number;
}
interface WorkerInit {
  tid: number;
  nThreads: number;
  control: SharedArrayBuffer;
  module: WasmModule;
  shardPort: MessagePort;
  spinMs: number;
}

const init = workerData as WorkerInit;
const ctl = new Int32Array(init.control);
const f64 = new Float64Array(init.control);
const fns: ((...a: number[]) => void)[][] = []; // [shard][op]

function addShard(m: ShardMessage): void {
  const exports = new (requireWasm().Instance)(init.module, { env: { memory: m.memory } }).exports as Record<string, unknown>;
  (exports.set_f16_table as (p: number) => void)(m.f16Table);
  fns[m.shard] = OPS.map((name) => exports[name] as (...a: number[]) => void);
}

/** Shards are announced on a port; a job naming one not seen yet pulls the messages synchronously. */
function shardFns(shard: number): ((...a: number[]) => void)[] {
  while (fns[shard] === undefined) {
    const msg = receiveMessageOnPort(init.shardPort);
    if (!msg) throw new Error(`Kernel worker ${init.tid} was given a job on unknown memory shard ${shard}`);
    addShard(msg.message as ShardMessage);
  }
  return fns[shard]!;
}

const args: number[] = [];
function call(op: number, shard: number, a: number[], lo: number, hi: number, tid: number): void {
  shardFns(shard)[op]!(...a, lo, hi, tid);
}

function loop(first: number): void {
  let seen = first;
  for (;;) {
    let gen = Atomics.load(ctl, GEN);
    if (gen === seen) {
      const until = performance.now() + init.spinMs;
      let spins = 0;
      while ((gen = Atomics.load(ctl, GEN)) === seen) {
        if ((++spins & 1023) === 0 && performance.now() > until) {
          Atomics.add(ctl, SLEEPERS, 1);
          Atomics.wait(ctl, GEN, seen);
          Atomics.sub(ctl, SLEEPERS, 1);
        }
      }
    }
    seen = gen;
    if (Atomics.load(ctl, QUIT) !== 0) return;
    runChunks(ctl, f64, gen, chunkCount(f64, init.nThreads), init.tid, init.nThreads, call, args, onError);
  }
}

function onError(err: unknown): void {
  // Only the first failure of a job is kept; the message is written before the error word.
  if (Atomics.load(ctl, ERROR) === 0) writeMessage(init.control, err instanceof Error ? err.message : String(err));
  Atomics.store(ctl, ERROR, 1);
}

// Read the generation before announcing readiness: the main thread publishes no job until every
// worker is ready, so none can be missed.
const first = Atomics.load(ctl, GEN);
parentPort?.postMessage({ ready: true });
loop(first);
