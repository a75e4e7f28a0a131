// What the main thread and the kernel workers share: the control words of the barrier, the layout
// of a job in shared memory, the table of kernel exports a job may name, and how a job's work is
// split. A job is a list of sub-jobs (e.g. the Q, K and V products of a layer), each cut into
// chunks that every thread claims from one counter until none is left, so one barrier covers all
// of them and a thread the OS has descheduled only delays the chunk it already holds.

/** Kernel exports a job can call, by index. Each takes (...args, lo, hi, tid). */
export const OPS = [
  "quantize_q8_32", "quantize_q8_k", "quantize_float",
  "matmul_q4_0", "matmul_q4_1", "matmul_q5_0", "matmul_q5_1", "matmul_q8_0",
  "matmul_q2_k", "matmul_q3_k", "matmul_q4_k", "matmul_q5_k", "matmul_q6_k",
  "matmul_f32", "matmul_f16", "matmul_bf16",
  "rms_norm", "rope", "swiglu", "add", "attention",
  "sgemm_pack_b", "sgemm",
] as const;
export type OpName = (typeof OPS)[number];
export const OP_INDEX: Readonly<Record<OpName, number>> = Object.fromEntries(OPS.map((n, i) => [n, i])) as Record<OpName, number>;

/** Int32 control words at the start of the control buffer. */
export const GEN = 0; //      bumped by the main thread to publish a job (workers wait on it)
export const FINISHED = 1; // chunks of the current job that are done
export const ERROR = 2; //    set by a thread whose chunk threw
export const SLEEPERS = 3; // workers blocked in Atomics.wait (the main thread notifies only then)
export const QUIT = 4; //     set before the last GEN bump: workers exit
export const CLAIM = 5; //    (generation & 0x7fff) << 16 | next unclaimed chunk

export const MAX_SUBJOBS = 8;
export const MAX_ARGS = 16;
/** Float64 slots per sub-job: op, shard, count, align, nArgs, args. */
const SUB_SLOTS = 5 + MAX_ARGS;
/** Float64 index of the job (after 64 bytes of control words). */
const JOB = 8;
const JOB_END = 64 + 8 * (1 + MAX_SUBJOBS * SUB_SLOTS);
/** A failed worker's message, UTF-8, after the job: [length, bytes…]. */
const MESSAGE_BYTES = 1024;
export const CONTROL_BYTES = JOB_END + 8 + MESSAGE_BYTES;

export function writeMessage(control: SharedArrayBuffer, text: string): void {
  const bytes = new TextEncoder().encode(text).subarray(0, MESSAGE_BYTES);
  new Uint8Array(control, JOB_END + 4, MESSAGE_BYTES).set(bytes);
  new Int32Array(control, JOB_END, 1)[0] = bytes.length;
}

export function readMessage(control: SharedArrayBuffer): string {
  const n = new Int32Array(control, JOB_END, 1)[0]!;
  return new TextDecoder().decode(new Uint8Array(control, JOB_END + 4, n).slice());
}

export interface SubJob {
  op: OpName;
  shard: number;
  /** Units of work (rows, tokens, heads…) split across threads. */
  count: number;
  /** Chunk sizes are a multiple of this (except the last chunk). */
  align: number;
  args: readonly number[];
}

export function writeJob(f64: Float64Array, subs: readonly SubJob[]): void {
  if (subs.length > MAX_SUBJOBS) throw new RangeError(`A job holds at most ${MAX_SUBJOBS} sub-jobs, got ${subs.length}`);
  f64[JOB] = subs.length;
  subs.forEach((s, i) => {
    if (s.args.length > MAX_ARGS) throw new RangeError(`A kernel call takes at most ${MAX_ARGS} arguments, got ${s.args.length}`);
    const o = JOB + 1 + i * SUB_SLOTS;
    f64[o] = OP_INDEX[s.op];
    f64[o + 1] = s.shard;
    f64[o + 2] = s.count;
    f64[o + 3] = s.align;
    f64[o + 4] = s.args.length;
    for (let k = 0; k < s.args.length; k++) f64[o + 5 + k] = s.args[k]!;
  });
}

/** Chunks per thread: work is claimed chunk by chunk, so a descheduled thread delays no one. */
const CHUNKS_PER_THREAD = 4;

/** Units per chunk of a sub-job: count / (threads · CHUNKS_PER_THREAD), rounded up to `align`. */
export function chunkSize(count: number, align: number, nThreads: number): number {
  return Math.max(align, Math.ceil(count / (nThreads * CHUNKS_PER_THREAD) / align) * align);
}

/** Chunks of the job in `f64` in total (at most 65535: the claim word keeps 16 bits for them). */
export function chunkCount(f64: Float64Array, nThreads: number): number {
  let total = 0;
  for (let i = 0, n = f64[JOB]!; i < n; i++) {
    const o = JOB + 1 + i * SUB_SLOTS;
    total += Math.ceil(f64[o + 2]! / chunkSize(f64[o + 2]!, f64[o + 3]!, nThreads));
  }
  return total;
}

export type KernelCall = (op: number, shard: number, args: number[], lo: number, hi: number, tid: number) => void;

/** Runs chunk `c` of the job in `f64`. */
function runChunk(f64: Float64Array, c: number, tid: number, nThreads: number, call: KernelCall, args: number[]): void {
  for (let i = 0, n = f64[JOB]!; i < n; i++) {
    const o = JOB + 1 + i * SUB_SLOTS;
    const count = f64[o + 2]!;
    const size = chunkSize(count, f64[o + 3]!, nThreads);
    const chunks = Math.ceil(count / size);
    if (c >= chunks) {
      c -= chunks;
      continue;
    }
    const nArgs = f64[o + 4]!;
    args.length = nArgs;
    for (let k = 0; k < nArgs; k++) args[k] = f64[o + 5 + k]!;
    call(f64[o]!, f64[o + 1]!, args, c * size, Math.min(count, (c + 1) * size), tid);
    return;
  }
}

/**
 * Claims and runs chunks of generation `gen`'s job until none is left (or a newer job replaced it).
 * A claim is a compare-exchange on the claim word that also checks the generation, so a thread
 * that wakes late can never take a chunk of a job it has not read.
 */
export function runChunks(ctl: Int32Array, f64: Float64Array, gen: number, total: number, tid: number, nThreads: number, call: KernelCall, args: number[], onError: (err: unknown) => void): void {
  const tag = (gen & 0x7fff) << 16;
  for (;;) {
    const w = Atomics.load(ctl, CLAIM);
    if ((w & ~0xffff) !== tag || (w & 0xffff) >= total) return;
    if (Atomics.compareExchange(ctl, CLAIM, w, w + 1) !== w) continue;
    try {
      runChunk(f64, w & 0xffff, tid, nThreads, call, args);
    } catch (err) {
      onError(err);
    }
    Atomics.add(ctl, FINISHED, 1);
  }
}

/** Publishes a written job as generation `gen`: chunk claims restart at 0 under the new tag. */
export function publish(ctl: Int32Array, gen: number): void {
  Atomics.store(ctl, FINISHED, 0);
  Atomics.store(ctl, CLAIM, (gen & 0x7fff) << 16);
  Atomics.store(ctl, GEN, gen);
}
