// The WebAssembly SIMD backend of the Kernels seam. Weights live in WebAssembly memories (read
// there straight from the file through allocateWeight, or copied once by prepareWeight); each
// operation copies its small f32 inputs into the memory of the shard that holds its weight or KV
// buffer, runs the kernel on all threads of the pool, and copies the result out. Types the module
// has no kernel for, and KV buffers outside its memories, fall back to the plain-TS kernels.

import { GgmlType } from "../../gguf/types.js";
import { jsKernels } from "../js/index.js";
import type { AttentionShape, Kernels, KvBuffer, WeightMatrix } from "../kernels.js";
import { ThreadPool } from "../threads/pool.js";
import { OPS, type SubJob } from "../threads/protocol.js";
import { ALIGN } from "./free-list.js";
import { MAX_PAGES, Shard } from "./shard.js";
import type { WasmModule } from "./wasm-api.js";
import { weightKind, type ActivationKind } from "./weight-kinds.js";

interface Loc {
  shard: Shard;
  ptr: number;
}

export interface WasmKernelsOptions {
  /** Threads including the calling one; 1 runs everything on the calling thread. */
  threads: number;
  /** Largest memory shard in 64 KiB pages (default: the 4 GiB maximum); tests use small ones. */
  shardPages?: number;
}

/**
 * Below this much work (≈ bytes streamed) a step runs on the calling thread alone: a pool round
 * trip costs microseconds on an idle machine but a scheduler slice when cores are oversubscribed.
 */
const MIN_PARALLEL_WORK = 1024 * 1024;

/** Scratch room kept in every memory shard (a quarter of the shard when shards are smaller). */
const SHARD_RESERVE = 256 * 1024 * 1024;

/** Matrix rows per thread share are a multiple of this (keeps shares on whole cache lines). */
const ROW_ALIGN = 16;

export class WasmKernels implements Kernels {
  readonly name: string;
  private readonly shards: Shard[] = [];
  private readonly located = new WeakMap<Uint8Array | KvBuffer, Loc>();
  private readonly scratch = new Map<string, Loc & { bytes: number }>();
  private readonly kvRegistry = new FinalizationRegistry<Loc>((loc) => {
    if (!this.disposed) loc.shard.alloc.release(loc.ptr);
  });
  private disposed = false;
  /** The module is the relaxed-SIMD build (some types then take element-order activations). */
  private relaxed = false;

  private constructor(
    private readonly module: WasmModule,
    private readonly pool: ThreadPool | undefined,
    private readonly shardPages: number | undefined,
    private readonly fnTables: ((...a: number[]) => void)[][],
  ) {
    this.name = pool && pool.nThreads > 1 ? "wasm-simd-threads" : "wasm-simd";
  }

  static async create(module: WasmModule, opts: WasmKernelsOptions): Promise<WasmKernels> {
    // The pool must not reach the kernels object, so that dropping a model without dispose()
    // lets the kernels be collected and the finalizer stop the workers.
    const fnTables: ((...a: number[]) => void)[][] = [];
    const call = (op: number, shard: number, a: number[], lo: number, hi: number, tid: number) => {
      fnTables[shard]![op]!(...a, lo, hi, tid);
    };
    const pool = opts.threads > 1 ? await ThreadPool.create(opts.threads, module, call) : undefined;
    const k = new WasmKernels(module, pool, opts.shardPages, fnTables);
    if (pool) poolFinalizer.register(k, pool, k);
    k.relaxed = k.addShard().exports.relaxed_simd() === 1;
    return k;
  }

  /** Which module build runs: "relaxed" (relaxed SIMD) or "simd128". */
  get build(): "relaxed" | "simd128" {
    return this.relaxed ? "relaxed" : "simd128";
  }

  get threads(): number {
    return this.pool?.nThreads ?? 1;
  }

  /** Bytes held in WebAssembly memory (weights, KV buffers, scratch), over all shards. */
  get bytesInUse(): number {
    return this.shards.reduce((s, sh) => s + sh.alloc.used, 0);
  }

  get shardCount(): number {
    return this.shards.length;
  }

  private addShard(): Shard {
    const shard = new Shard(this.shards.length, this.module, true, this.shardPages);
    this.shards.push(shard);
    this.fnTables.push(OPS.map((n) => shard.exports[n] as (...a: number[]) => void));
    this.pool?.addShard({ index: shard.index, memory: shard.memory, f16Table: shard.f16Table });
    return shard;
  }

  /**
   * Bytes every shard keeps free of weights and KV buffers for the scratch of the operations that
   * run in it (inputs, converted activations, outputs).
   */
  private get reserve(): number {
    return Math.min(SHARD_RESERVE, Math.floor(((this.shardPages ?? MAX_PAGES) * 65536) / 4));
  }

  /** A block in one of the newest shards that fits beside its reserve, else in a new shard. */
  private place(bytes: number, what: string): Loc {
    this.checkLive();
    for (let i = this.shards.length - 1; i >= Math.max(0, this.shards.length - 2); i--) {
      const s = this.shards[i]!;
      if (s.alloc.available - bytes < this.reserve) continue;
      const p = s.alloc.alloc(bytes);
      if (p >= 0) return { shard: s, ptr: p };
    }
    const s = this.addShard();
    if (s.alloc.available - bytes < this.reserve) {
      throw new RangeError(`Cannot allocate ${bytes} bytes for ${what}: larger than one WebAssembly memory can hold`);
    }
    return { shard: s, ptr: s.allocOrThrow(bytes, what) };
  }

  allocateWeight(nBytes: number, name: string): Uint8Array {
    const loc = this.place(nBytes, `tensor "${name}"`);
    const view = new Uint8Array(loc.shard.memory.buffer, loc.ptr, nBytes);
    // Touch every page before the file is read into it: on this project's VM, pages first written
    // by the kernel inside read(2) were seen to fault again on their first access from user space
    // (+1 s on the first forward pass of a 0.7 GB model); faulting them in from here avoids that.
    for (let i = 0; i < nBytes; i += 4096) view[i] = 0;
    this.located.set(view, loc);
    return view;
  }

  allocateKv(nElements: number, type: "f16" | "f32"): KvBuffer {
    const bytes = nElements * (type === "f16" ? 2 : 4);
    const loc = this.place(bytes, "a KV cache layer");
    const buf = loc.shard.memory.buffer;
    const view = type === "f16" ? new Uint16Array(buf, loc.ptr, nElements) : new Float32Array(buf, loc.ptr, nElements);
    view.fill(0);
    this.located.set(view, loc);
    this.kvRegistry.register(view, loc);
    return view;
  }

  prepareWeight(w: WeightMatrix): WeightMatrix {
    if (!weightKind(w.type, this.relaxed) || this.located.has(w.data)) return w;
    const data = this.allocateWeight(w.data.byteLength, w.name);
    data.set(w.data);
    return { ...w, data };
  }

  /** A named scratch block in a shard, at least `bytes` long (grown by reallocation). */
  private scratchIn(shard: Shard, name: string, bytes: number): number {
    const key = `${shard.index}:${name}`;
    const have = this.scratch.get(key);
    if (have && have.bytes >= bytes) return have.ptr;
    if (have) shard.alloc.release(have.ptr);
    const size = Math.max(bytes, have ? have.bytes * 2 : 0, ALIGN);
    const ptr = shard.allocOrThrow(size, `scratch "${name}"`);
    this.scratch.set(key, { shard, ptr, bytes: size });
    return ptr;
  }

  /** 128 bytes per thread in a shard: the tile kernels' per-token accumulators. */
  private tileScratch(shard: Shard): number {
    return this.scratchIn(shard, "tiles", 128 * this.threads);
  }

  private copyIn(shard: Shard, name: string, src: Float32Array, n: number): number {
    const p = this.scratchIn(shard, name, n * 4);
    shard.f32(p, n).set(src.length === n ? src : src.subarray(0, n));
    return p;
  }

  /**
   * Runs sub-jobs on the pool, or directly on this thread when there is no pool or the work is too
   * small to pay for waking other threads. `work` is a rough cost in bytes streamed (or elements).
   */
  private run(subs: SubJob[], work: number): void {
    if (this.pool && work >= MIN_PARALLEL_WORK && subs.some((s) => s.count > 1)) return this.pool.run(subs);
    for (const s of subs) this.fnTables[s.shard]![OPS.indexOf(s.op)]!(...s.args, 0, s.count, 0);
  }

  matmul(out: Float32Array, w: WeightMatrix, x: Float32Array, nTokens: number): void {
    this.matmulMany([{ out, w }], x, nTokens);
  }

  matmulMany(items: readonly { out: Float32Array; w: WeightMatrix }[], x: Float32Array, nTokens: number): void {
    this.checkLive();
    const byShard = new Map<Shard, { out: Float32Array; w: WeightMatrix; loc: Loc }[]>();
    for (const it of items) {
      const { w, out } = it;
      checkMatmul(out, w, x, nTokens, items[0]!.w.cols);
      const loc = weightKind(w.type, this.relaxed) ? this.located.get(w.data) : undefined;
      if (!loc) {
        jsKernels.matmul(out, w, x, nTokens);
        continue;
      }
      const list = byShard.get(loc.shard) ?? [];
      list.push({ out, w, loc });
      byShard.set(loc.shard, list);
    }
    for (const [shard, list] of byShard) this.matmulShard(shard, list, x, nTokens);
  }

  /** The products of one shard's weights, in steps of as many tokens as its scratch budget allows. */
  private matmulShard(shard: Shard, list: { out: Float32Array; w: WeightMatrix; loc: Loc }[], x: Float32Array, nTok: number): void {
    const cols = list[0]!.w.cols;
    const strides = new Map<string, number>();
    for (const { w } of list) {
      const kind = weightKind(w.type, this.relaxed)!.act;
      strides.set(kind.key, shard.exports.act_stride(kind.layout, cols, kind.perm));
    }
    const perToken = 4 * cols + [...strides.values()].reduce((a, b) => a + b, 0) + 4 * list.reduce((a, { w }) => a + w.rows, 0);
    let step = Math.max(1, Math.min(nTok, Math.floor(this.reserve / 2 / perToken)));
    if (step < nTok && step > 4) step -= step % 4; // whole four-token tiles
    for (let t0 = 0; t0 < nTok; t0 += step) {
      const n = Math.min(step, nTok - t0);
      const part = list.map(({ out, w, loc }) => ({ out: out.subarray(t0 * w.rows, (t0 + n) * w.rows), w, loc }));
      this.matmulStep(shard, part, x.subarray(t0 * cols, (t0 + n) * cols), n);
    }
  }

  private matmulStep(shard: Shard, list: { out: Float32Array; w: WeightMatrix; loc: Loc }[], x: Float32Array, nTok: number): void {
    const cols = list[0]!.w.cols;
    const xPtr = this.copyIn(shard, "x", x, nTok * cols);
    const acts = new Map<string, { kind: ActivationKind; ptr: number; stride: number }>();
    for (const { w } of list) {
      const kind = weightKind(w.type, this.relaxed)!.act;
      if (acts.has(kind.key)) continue;
      const stride = shard.exports.act_stride(kind.layout, cols, kind.perm);
      acts.set(kind.key, { kind, ptr: this.scratchIn(shard, `act:${kind.key}`, stride * nTok), stride });
    }
    this.run([...acts.values()].map((a) => ({
      op: a.kind.op, shard: shard.index, count: nTok, align: 1, args: [xPtr, cols, a.ptr, a.stride, ...a.kind.extra],
    })), nTok * cols * 4 * acts.size);
    let outFloats = 0;
    for (const { w } of list) outFloats += w.rows * nTok;
    const outBase = this.scratchIn(shard, "out", outFloats * 4);
    const subs: SubJob[] = [];
    let off = outBase;
    const outs: number[] = [];
    for (const { w, loc } of list) {
      const kind = weightKind(w.type, this.relaxed)!;
      const act = acts.get(kind.act.key)!;
      subs.push({ op: kind.matmul, shard: shard.index, count: w.rows, align: ROW_ALIGN, args: [loc.ptr, act.ptr, off, w.rows, cols, nTok, this.tileScratch(shard)] });
      outs.push(off);
      off += w.rows * nTok * 4;
    }
    this.run(subs, list.reduce((sum, { w }) => sum + w.rows * w.rowBytes, 0) * Math.min(nTok, 4));
    list.forEach(({ out, w }, i) => out.set(shard.f32(outs[i]!, w.rows * nTok)));
  }

  getRow(out: Float32Array, outOff: number, w: WeightMatrix, row: number): void {
    jsKernels.getRow(out, outOff, w, row);
  }

  rmsNorm(out: Float32Array, x: Float32Array, weight: Float32Array, nTokens: number, n: number, eps: number): void {
    this.checkLive();
    if (x.length < nTokens * n || out.length < nTokens * n || weight.length < n) throw new RangeError(`RMSNorm of ${nTokens}×${n} values overruns its buffers`);
    const s = this.shards[0]!;
    const xp = this.copyIn(s, "ew:a", x, nTokens * n);
    const wp = this.copyIn(s, "ew:b", weight, n);
    this.run([{ op: "rms_norm", shard: 0, count: nTokens, align: 1, args: [xp, xp, wp, n, eps] }], nTokens * n * 8);
    out.set(s.f32(xp, nTokens * n));
  }

  rope(x: Float32Array, nTokens: number, nHeads: number, headDim: number, cos: Float32Array, sin: Float32Array): void {
    this.checkLive();
    const n = nTokens * nHeads * headDim;
    const half = headDim >> 1;
    if (x.length < n || cos.length < nTokens * half || sin.length < nTokens * half || headDim % 2 !== 0) {
      throw new RangeError(`RoPE of ${nTokens}×${nHeads}×${headDim} values overruns its buffers`);
    }
    const s = this.shards[0]!;
    const xp = this.copyIn(s, "ew:a", x, n);
    const cp = this.copyIn(s, "ew:b", cos, nTokens * half);
    const sp = this.copyIn(s, "ew:c", sin, nTokens * half);
    this.run([{ op: "rope", shard: 0, count: nTokens * nHeads, align: 1, args: [xp, nHeads, headDim, cp, sp] }], n * 4);
    x.set(s.f32(xp, n));
  }

  swiglu(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
    this.checkLive();
    if (gate.length < n || up.length < n || out.length < n) throw new RangeError(`SwiGLU of ${n} values overruns its buffers`);
    const s = this.shards[0]!;
    const gp = this.copyIn(s, "ew:a", gate, n);
    const up_ = this.copyIn(s, "ew:b", up, n);
    this.run([{ op: "swiglu", shard: 0, count: n, align: 256, args: [gp, gp, up_] }], n * 8);
    out.set(s.f32(gp, n));
  }

  add(x: Float32Array, y: Float32Array, n: number): void {
    this.checkLive();
    if (x.length < n || y.length < n) throw new RangeError(`Add of ${n} values overruns its buffers`);
    const s = this.shards[0]!;
    const xp = this.copyIn(s, "ew:a", x, n);
    const yp = this.copyIn(s, "ew:b", y, n);
    this.run([{ op: "add", shard: 0, count: n, align: 256, args: [xp, yp] }], n * 4);
    x.set(s.f32(xp, n));
  }

  attention(out: Float32Array, q: Float32Array, kCache: KvBuffer, vCache: KvBuffer, shape: AttentionShape): void {
    this.checkLive();
    const kLoc = this.located.get(kCache);
    const vLoc = this.located.get(vCache);
    const f16 = kCache instanceof Uint16Array;
    if (!kLoc || !vLoc || kLoc.shard !== vLoc.shard || f16 !== vCache instanceof Uint16Array) {
      return jsKernels.attention(out, q, kCache, vCache, shape);
    }
    const { nTokens, pos0, nHead, nHeadKv, headDim, scale } = shape;
    const n = nTokens * nHead * headDim;
    const nKv = pos0 + nTokens;
    if (q.length < n || out.length < n || nHead % nHeadKv !== 0 || kCache.length < nKv * nHeadKv * headDim || vCache.length < nKv * nHeadKv * headDim) {
      throw new RangeError(`Attention over ${nKv} positions of ${nHeadKv}×${headDim} overruns its buffers`);
    }
    const s = kLoc.shard;
    const qp = this.copyIn(s, "attn:q", q, n);
    const op = this.scratchIn(s, "attn:out", n * 4);
    const stride = Math.ceil(((headDim + nKv) * 4) / ALIGN) * ALIGN;
    const tmp = this.scratchIn(s, "attn:tmp", stride * this.threads);
    const args = [op, qp, kLoc.ptr, vLoc.ptr, nTokens, pos0, nHead, nHeadKv, headDim, scale, f16 ? 1 : 0, tmp, stride];
    this.run([{ op: "attention", shard: s.index, count: nTokens * nHead, align: 1, args }], nTokens * nHead * nKv * headDim);
    out.set(s.f32(op, n));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    poolFinalizer.unregister(this);
    this.pool?.dispose();
    this.scratch.clear();
    this.shards.length = 0;
    this.fnTables.length = 0;
  }

  private checkLive(): void {
    if (this.disposed) throw new Error("These kernels have been disposed (the model was disposed)");
  }
}

const poolFinalizer = new FinalizationRegistry<ThreadPool>((pool) => pool.dispose());

function checkMatmul(out: Float32Array, w: WeightMatrix, x: Float32Array, nTok: number, cols: number): void {
  if (w.cols !== cols) throw new RangeError(`Products sharing one input need equal widths, got ${cols} and ${w.cols} ("${w.name}")`);
  if (!Number.isInteger(nTok) || nTok < 1) throw new RangeError(`Token count must be a positive integer, got ${nTok}`);
  if (x.length < nTok * w.cols) throw new RangeError(`Input of ${x.length} values is too short for ${nTok}×${w.cols}`);
  if (out.length < nTok * w.rows) throw new RangeError(`Output of ${out.length} values is too short for ${nTok}×${w.rows}`);
  if (w.data.byteLength < w.rows * w.rowBytes) throw new RangeError(`Weight "${w.name}" holds ${w.data.byteLength} bytes, expected ${w.rows * w.rowBytes}`);
  const kind = weightKind(w.type, false);
  if (kind && w.cols % kind.act.block !== 0) throw new RangeError(`Row length ${w.cols} of "${w.name}" is not a multiple of ${kind.act.block}`);
}

export const WASM_TYPES: readonly GgmlType[] = [
  GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
  GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
];
