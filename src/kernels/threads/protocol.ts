// What the main thread and the kernel workers share: the control words of the barrier, the layout
// of a job in shared memory, the table of kernel exports a job may name, and how a job's work is
// split. A job is a list of sub-jobs (e.g. the Q, K and V products of a layer), each split evenly
// across all threads, so one barrier covers all of them.

/** Kernel exports a job can call, by index. Each takes (...args, lo, hi, tid). */
export const OPS = [
  "quantize_q8_32", "quantize_q8_k", "quantize_float",
  "matmul_q4_0", "matmul_q4_1", "matmul_q5_0", "matmul_q5_1", "matmul_q8_0",
  "matmul_q2_k", "matmul_q3_k", "matmul_q4_k", "matmul_q5_k", "matmul_q6_k",
  "matmul_f32", "matmul_f16", "matmul_bf16",
  "rms_norm", "rope", "swiglu", "add", "attention",
] as const;
export type OpName = (typeof OPS)[number];
export const OP_INDEX: Readonly<Record<OpName, number>> = Object.fromEntries(OPS.map((n, i) => [n, i])) as Record<OpName, number>;

/** Int32 control words at the start of the control buffer. */
export const GEN = 0; //      bumped by the main thread to publish a job (workers wait on it)
export const DONE = 1; //     workers that finished the current job
export const ERROR = 2; //    set by a worker whose part threw
export const SLEEPERS = 3; // workers blocked in Atomics.wait (the main thread notifies only then)
export const QUIT = 4; //     set before the last GEN bump: workers exit

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
  /** Each thread's share is a multiple of this (except the last). */
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

/** Share [lo, hi) of `count` units for thread `tid` of `nThreads`. */
export function share(count: number, align: number, tid: number, nThreads: number): [number, number] {
  const chunk = Math.ceil(count / nThreads / align) * align;
  const lo = Math.min(count, tid * chunk);
  return [lo, Math.min(count, lo + chunk)];
}

export type KernelCall = (op: number, shard: number, args: number[], lo: number, hi: number, tid: number) => void;

/** Runs thread `tid`'s share of every sub-job of the job in `f64`. */
export function runShare(f64: Float64Array, tid: number, nThreads: number, call: KernelCall, args: number[]): void {
  const n = f64[JOB]!;
  for (let i = 0; i < n; i++) {
    const o = JOB + 1 + i * SUB_SLOTS;
    const [lo, hi] = share(f64[o + 2]!, f64[o + 3]!, tid, nThreads);
    if (lo >= hi) continue;
    const nArgs = f64[o + 4]!;
    args.length = nArgs;
    for (let k = 0; k < nArgs; k++) args[k] = f64[o + 5 + k]!;
    call(f64[o]!, f64[o + 1]!, args, lo, hi, tid);
  }
}
