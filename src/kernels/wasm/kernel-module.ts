// Finds, compiles and feature-checks the WebAssembly kernel module built from assembly/ by
// `npm run build`: dist/wasm/kernels-relaxed.wasm (relaxed SIMD) where the engine supports it, else
// dist/wasm/kernels-simd.wasm (SIMD128). Compiled once per process; every thread and memory shard
// instantiates the same module. Node reads the file; browsers pass the bytes or a URL.

import { requireWasm, wasmApi, type WasmModule } from "./wasm-api.js";

/** The kernel module's exports (see assembly/index.ts); pointers are byte addresses. */
export interface KernelExports {
  set_f16_table(p: number): void;
  relaxed_simd(): number;
  act_stride(kind: number, n: number, perm: number): number;
  quantize_q8_32(x: number, n: number, nTok: number, dst: number, stride: number, withSum: number, perm: number): void;
  quantize_q8_k(x: number, n: number, nTok: number, dst: number, stride: number, perm: number): void;
  quantize_float(x: number, n: number, nTok: number, dst: number, stride: number, type: number): void;
  rms_norm(out: number, x: number, w: number, n: number, eps: number, t0: number, t1: number): void;
  rope(x: number, nHeads: number, headDim: number, cos: number, sin: number, u0: number, u1: number): void;
  swiglu(out: number, gate: number, up: number, i0: number, i1: number): void;
  add(x: number, y: number, i0: number, i1: number): void;
  [name: string]: unknown;
}

/** Where the build puts the modules, relative to this file in src/ or dist/ (both three levels down). */
const SIMD_URL = new URL("../../../dist/wasm/kernels-simd.wasm", import.meta.url);
const RELAXED_URL = new URL("../../../dist/wasm/kernels-relaxed.wasm", import.meta.url);

/** A 1-function module using one SIMD128 instruction (i32x4.splat): validates iff SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 17, 11,
]);
/** The same with i16x8.relaxed_dot_i8x16_i7x16_s: validates iff relaxed SIMD is enabled. */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 0, 253, 17, 65, 0, 253, 17, 253, 146, 2, 11,
]);

/**
 * A module whose f() returns lane 0 of f32x4.relaxed_madd(a, a, c) for a = 1 + 2^-12 and
 * c = -(1 + 2^-11): 2^-24 when the multiply-add is fused (one rounding), 0 when the product is
 * rounded first. The relaxed build's block sums rely on the fused result (see legacy-tiles.ts).
 */
function maddProbe(): Uint8Array {
  const v128Const = (bits: number) => {
    const b = new Uint8Array(16);
    for (let i = 0; i < 4; i++) new DataView(b.buffer).setUint32(4 * i, bits, true);
    return [0xfd, 0x0c, ...b];
  };
  // locals: none; a, a, c; f32x4.relaxed_madd (0xfd 0x105); f32x4.extract_lane 0; end
  const body = [0, ...v128Const(0x3f800800), ...v128Const(0x3f800800), ...v128Const(0xbf801000), 0xfd, 0x85, 0x02, 0xfd, 0x1f, 0x00, 0x0b];
  return Uint8Array.from([
    0, 97, 115, 109, 1, 0, 0, 0,
    1, 5, 1, 0x60, 0, 1, 0x7d, // type: () -> f32
    3, 2, 1, 0, // one function of type 0
    7, 5, 1, 1, 102, 0, 0, // export "f"
    10, body.length + 2, 1, body.length, ...body,
  ]);
}

/** Whether f32x4.relaxed_madd is fused here (probe module above); false where it cannot run. */
export function relaxedMaddFused(): boolean {
  try {
    const api = requireWasm();
    const f = (new api.Instance(new api.Module(maddProbe()), {}).exports as { f(): number }).f;
    return f() === 2 ** -24;
  } catch {
    return false;
  }
}

export function simdSupported(): boolean {
  return wasmApi !== undefined && wasmApi.validate(SIMD_PROBE);
}

/** Shared WebAssembly memory (threads) needs SharedArrayBuffer: in browsers, cross-origin isolation. */
export function sharedMemorySupported(): boolean {
  try {
    new (requireWasm().Memory)({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether relaxed SIMD can be used. Node 20 (V8 11.3) has it behind --experimental-wasm-relaxed-simd,
 * which takes effect for modules compiled after it is set; browsers ship it enabled. The relaxed
 * build is exact only where f32x4.relaxed_madd is fused (x86 with FMA3, ARM), so that is checked too.
 * LLAMA_TS_RELAXED_SIMD=0 turns it off (the plain SIMD128 kernels give the same results).
 */
export async function relaxedSimdSupported(): Promise<boolean> {
  if (!wasmApi) return false;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined>; versions?: { node?: string } } }).process;
  if (env?.env?.LLAMA_TS_RELAXED_SIMD === "0") return false;
  if (wasmApi.validate(RELAXED_PROBE)) return relaxedMaddFused();
  if (env?.versions?.node) {
    try {
      (await import("node:v8")).setFlagsFromString("--experimental-wasm-relaxed-simd");
    } catch {
      return false;
    }
  }
  return wasmApi.validate(RELAXED_PROBE) && relaxedMaddFused();
}

let compiled: Promise<WasmModule> | undefined;

/**
 * The compiled kernel module: the relaxed-SIMD build where supported, else plain SIMD128. `source`
 * overrides where it comes from (bytes or a URL, for browsers and tests).
 */
export function kernelModule(source?: Uint8Array | URL | string): Promise<WasmModule> {
  if (source !== undefined) return compile(source);
  compiled ??= (async () => {
    if (await relaxedSimdSupported()) {
      try {
        return await compile(RELAXED_URL);
      } catch {
        // fall through to the plain build (e.g. only it was built)
      }
    }
    return compile(SIMD_URL);
  })();
  compiled.catch(() => (compiled = undefined));
  return compiled;
}

/**
 * One build explicitly: "simd" (SIMD128) or "relaxed" (needs relaxedSimdSupported()). For tests
 * and benchmarks that compare the two; kernelModule() picks the best one by itself.
 */
export async function kernelModuleBuild(build: "simd" | "relaxed"): Promise<WasmModule> {
  if (build === "relaxed" && !(await relaxedSimdSupported())) throw new Error("This engine does not support relaxed SIMD");
  return compile(build === "relaxed" ? RELAXED_URL : SIMD_URL);
}

async function compile(source: Uint8Array | URL | string): Promise<WasmModule> {
  if (!simdSupported()) throw new Error("This JavaScript engine does not support WebAssembly SIMD");
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else {
    const url = typeof source === "string" ? new URL(source, SIMD_URL) : source;
    if (url.protocol === "file:") {
      const { readFile } = await import("node:fs/promises");
      try {
        bytes = await readFile(url);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT") throw new Error(`WebAssembly kernels not found at "${url.pathname}": run \`npm run build\``);
        throw err;
      }
    } else {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`Cannot fetch WebAssembly kernels from "${url.href}": HTTP ${res.status}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    }
  }
  return requireWasm().compile(bytes);
}
