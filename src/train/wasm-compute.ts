// The WebAssembly SIMD backend of the trainer's compute seam. Every array the trainer allocates is
// a Float32Array view into one shared WebAssembly memory, so sgemm runs the kernels of
// assembly/sgemm.ts on them in place, with no copies. The memory is shared even for one thread:
// growing a shared memory leaves earlier views valid (a plain memory would detach them). Products
// of ≥ MIN_PARALLEL_FLOPS run on the engine's worker pool: op(B) is packed once by all threads,
// then rows (or, for short wide products, columns) of C are shared out; the K sum is never split,
// so results are the same bits whatever the thread count.

import { ThreadPool } from "../kernels/threads/pool.js";
import { OPS, type OpName, type SubJob } from "../kernels/threads/protocol.js";
import { kernelModule, kernelModuleBuild, sharedMemorySupported } from "../kernels/wasm/kernel-module.js";
import { Shard } from "../kernels/wasm/shard.js";
import type { WasmModule } from "../kernels/wasm/wasm-api.js";
import { checkGemm, type TrainCompute, type Vec } from "./compute.js";

export interface WasmComputeOptions {
  /** Threads including the calling one; 1 runs every product on the calling thread. */
  threads: number;
  /** Which module build: default the relaxed-SIMD one where supported, else SIMD128. */
  build?: "simd" | "relaxed";
}

export interface WasmTrainCompute extends TrainCompute {
  readonly precision: "f32";
  alloc(n: number): Float32Array;
  readonly threads: number;
  /** The module build that runs: "relaxed" (fused multiply-adds) or "simd128". */
  readonly build: "relaxed" | "simd128";
  /** Bytes of WebAssembly memory handed out (arrays and packing scratch). */
  readonly bytesInUse: number;
}

/** Below this many flops (2·M·N·K) a product runs on the calling thread alone. */
const MIN_PARALLEL_FLOPS = 1 << 20;
/** Packing op(B) is shared out only above this many elements. */
const MIN_PARALLEL_PACK = 1 << 16;
/** Target K block: a kc×NR panel of B (8 KiB) stays in L1 while a block of A streams from L2. */
const KC_TARGET = 256;

interface SgemmExports {
  sgemm_mr(): number;
  sgemm_nr(): number;
  sgemm_scratch_bytes(kcMax: number): number;
  relaxed_simd(): number;
}

export async function wasmCompute(opts: WasmComputeOptions): Promise<WasmTrainCompute> {
  const { threads } = opts;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`Thread count must be a positive integer, got ${threads}`);
  if (!sharedMemorySupported()) {
    throw new Error("The WebAssembly trainer backend needs shared WebAssembly memory (SharedArrayBuffer), which this engine lacks");
  }
  const module = opts.build ? await kernelModuleBuild(opts.build) : await kernelModule();
  return WasmCompute.create(module, threads);
}

/**
 * K blocks depend on K alone (never on threads or on which rows a thread holds): ⌈K / KC_TARGET⌉
 * blocks of equal length (the last one shorter).
 */
export function kBlock(K: number): number {
  return Math.ceil(K / Math.ceil(K / KC_TARGET));
}

class WasmCompute implements WasmTrainCompute {
  readonly name: string;
  readonly precision = "f32" as const;
  readonly build: "relaxed" | "simd128";
  /** Every buffer object this memory has had: views made before a grow keep the old one. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly fns: ((...a: number[]) => void)[];
  private readonly exports: SgemmExports;
  private readonly mr: number;
  private readonly nr: number;
  private readonly scratchStride: number;
  private readonly scratch: number;
  private packed = { ptr: -1, bytes: 0 };
  private disposed = false;

  private constructor(
    private readonly shard: Shard,
    private readonly pool: ThreadPool | undefined,
  ) {
    this.exports = shard.exports as unknown as SgemmExports;
    this.fns = OPS.map((n) => shard.exports[n] as (...a: number[]) => void);
    this.mr = this.exports.sgemm_mr();
    this.nr = this.exports.sgemm_nr();
    this.build = this.exports.relaxed_simd() === 1 ? "relaxed" : "simd128";
    this.name = `wasm-${this.build}${this.threads > 1 ? `-x${this.threads}` : ""}`;
    // Per-thread packing scratch, one stride apart, on cache-line boundaries.
    this.scratchStride = Math.ceil(this.exports.sgemm_scratch_bytes(KC_TARGET) / 64) * 64;
    this.scratch = shard.allocOrThrow(this.scratchStride * this.threads, "sgemm packing scratch");
  }

  static async create(module: WasmModule, threads: number): Promise<WasmCompute> {
    const shard = new Shard(0, module, true);
    const fns = OPS.map((n) => shard.exports[n] as (...a: number[]) => void);
    const call = (op: number, _shard: number, a: number[], lo: number, hi: number, tid: number) => fns[op]!(...a, lo, hi, tid);
    const pool = threads > 1 ? await ThreadPool.create(threads, module, call) : undefined;
    pool?.addShard({ index: 0, memory: shard.memory, f16Table: shard.f16Table });
    const c = new WasmCompute(shard, pool);
    if (pool) poolFinalizer.register(c, pool, c);
    return c;
  }

  get threads(): number {
    return this.pool?.nThreads ?? 1;
  }

  get bytesInUse(): number {
    return this.shard.alloc.used;
  }

  alloc(n: number): Float32Array {
    this.checkLive();
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`alloc: element count must be a non-negative integer, got ${n}`);
    const p = this.shard.allocOrThrow(n * 4, `an array of ${n} f32`);
    const buffer = this.shard.memory.buffer;
    this.buffers.add(buffer);
    // Blocks can be reused packing scratch: zero them as promised.
    return new Float32Array(buffer, p, n).fill(0);
  }

  sgemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Vec, lda: number, B: Vec, ldb: number,
    beta: number, C: Vec, ldc: number,
  ): void {
    this.checkLive();
    for (const [name, v] of [["M", M], ["N", N], ["K", K], ["lda", lda], ["ldb", ldb], ["ldc", ldc]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`sgemm: ${name} must be a non-negative integer, got ${v}`);
    }
    checkGemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
    const a = this.address("A", A);
    const b = this.address("B", B);
    const c = this.address("C", C);
    if (M === 0 || N === 0) return;
    const cEnd = c + ((M - 1) * ldc + N) * 4;
    const overlaps = (p: number, rows: number, cols: number, ld: number) => rows > 0 && cols > 0 && p < cEnd && c < p + ((rows - 1) * ld + cols) * 4;
    if (overlaps(a, transA ? K : M, transA ? M : K, lda)) throw new RangeError("sgemm: C overlaps A");
    if (overlaps(b, transB ? N : K, transB ? K : N, ldb)) throw new RangeError("sgemm: C overlaps B");
    if (K === 0 || alpha === 0) return scaleRows(C as Float32Array, M, N, ldc, beta);

    const kc = kBlock(K);
    const panels = Math.ceil(N / this.nr);
    const bp = this.packedB(K * panels * this.nr * 4);
    const parallel = this.pool !== undefined && 2 * M * N * K >= MIN_PARALLEL_FLOPS;
    const pack: SubJob = { op: "sgemm_pack_b", shard: 0, count: panels, align: 1, args: [b, ldb, transB ? 1 : 0, K, N, bp, kc] };
    if (parallel && K * N >= MIN_PARALLEL_PACK) this.pool!.run([pack]);
    else this.direct(pack);
    // Rows are shared out unless there are too few of them to keep every thread busy.
    const splitCols = M < N && M < 64 * this.threads;
    const product: SubJob = {
      op: "sgemm",
      shard: 0,
      count: splitCols ? N : M,
      align: splitCols ? 2 * this.nr : 4 * this.mr,
      args: [M, N, K, alpha, a, lda, transA ? 1 : 0, bp, beta, c, ldc, this.scratch, this.scratchStride, kc, splitCols ? 1 : 0],
    };
    if (parallel) this.pool!.run([product]);
    else this.direct(product);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    poolFinalizer.unregister(this);
    this.pool?.dispose();
  }

  /** Byte address of an operand, which must be a Float32Array view of this memory. */
  private address(name: string, v: Vec): number {
    if (!(v instanceof Float32Array)) throw new TypeError(`sgemm: ${name} is a ${v.constructor.name}; the wasm backend computes on Float32Array only`);
    if (!this.buffers.has(v.buffer)) throw new RangeError(`sgemm: ${name} is not an array from this backend's alloc() (or a subarray of one)`);
    return v.byteOffset;
  }

  /** The packed-B buffer, at least `bytes` long (reallocated when a larger product comes). */
  private packedB(bytes: number): number {
    if (this.packed.bytes >= bytes) return this.packed.ptr;
    if (this.packed.ptr >= 0) this.shard.alloc.release(this.packed.ptr);
    this.packed = { ptr: -1, bytes: 0 };
    const size = Math.max(bytes, 4 << 20);
    this.packed = { ptr: this.shard.allocOrThrow(size, "sgemm packed B"), bytes: size };
    return this.packed.ptr;
  }

  private direct(s: SubJob): void {
    this.fns[OPS.indexOf(s.op as OpName)]!(...s.args, 0, s.count, 0);
  }

  private checkLive(): void {
    if (this.disposed) throw new Error("This WebAssembly compute backend has been disposed");
  }
}

/** C = beta · C over an M×N block (beta = 0 clears it, NaN included): the product with K = 0 or alpha = 0. */
function scaleRows(C: Float32Array, M: number, N: number, ldc: number, beta: number): void {
  for (let i = 0; i < M; i++) {
    const row = i * ldc;
    if (beta === 0) C.fill(0, row, row + N);
    else if (beta !== 1) for (let j = 0; j < N; j++) C[row + j]! *= beta;
  }
}

const poolFinalizer = new FinalizationRegistry<ThreadPool>((pool) => pool.dispose());
