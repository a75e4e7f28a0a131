// Kernel micro-benchmark: matrix-vector (decode) throughput in GB/s of weights streamed, and the
// batched product (prompt processing, 64 tokens) in G multiply-adds/s, per tensor type, for the
// WebAssembly kernels on 1 and N threads. The weights (~160 MB per type) exceed the L3 cache.
// Usage: node --import tsx scripts/bench-kernels.ts [types=Q8_0,Q4_0,Q4_K,Q6_K,F16] [threads=2]
import { GgmlType } from "../src/gguf/types.js";
import type { WeightMatrix } from "../src/kernels/kernels.js";
import { kernelModule } from "../src/kernels/wasm/kernel-module.js";
import { WasmKernels } from "../src/kernels/wasm/wasm-kernels.js";
import { rowByteSize, typeTraits } from "../src/tensors/type-traits.js";

const types = (process.argv[2] ?? "Q8_0,Q4_0,Q4_K,Q6_K,F16").split(",");
const maxThreads = Number(process.argv[3] ?? 2);
const ROWS = 8192;
const COLS = 2048;
const TARGET_BYTES = 160e6;

function weights(k: WasmKernels, type: GgmlType): WeightMatrix[] {
  const tr = typeTraits(type);
  const rowBytes = rowByteSize(type, COLS);
  const tile = new Uint8Array(64 * rowBytes);
  const row = new Float32Array(COLS);
  for (let r = 0; r < 64; r++) {
    for (let i = 0; i < COLS; i++) row[i] = Math.sin(r * 7 + i * 0.37) * 0.05;
    tr.quantizeRow!(row, 0, tile, r * rowBytes, COLS);
  }
  const n = Math.max(1, Math.round(TARGET_BYTES / (ROWS * rowBytes)));
  return Array.from({ length: n }, (_, m) => {
    const data = k.allocateWeight(ROWS * rowBytes, `w${m}`);
    for (let o = 0; o < data.length; o += tile.length) data.set(tile.subarray(0, Math.min(tile.length, data.length - o)), o);
    return { name: `w${m}`, type, rows: ROWS, cols: COLS, rowBytes, data };
  });
}

const module = await kernelModule();
for (const threads of [1, maxThreads]) {
  const k = await WasmKernels.create(module, { threads });
  for (const name of types) {
    const type = GgmlType[name as keyof typeof GgmlType];
    const ws = weights(k, type);
    const bytes = ws.reduce((s, w) => s + w.data.length, 0);
    const x = new Float32Array(64 * COLS).map((_, i) => Math.cos(i));
    const out = new Float32Array(64 * ROWS);
    const best = (f: () => void, reps: number) => {
      let b = Infinity;
      for (let r = 0; r < reps; r++) {
        const t = performance.now();
        f();
        b = Math.min(b, performance.now() - t);
      }
      return b;
    };
    const mv = best(() => ws.forEach((w) => k.matmul(out, w, x, 1)), 5);
    const mm = best(() => k.matmul(out, ws[0]!, x, 64), 3);
    const gbs = bytes / mv / 1e6;
    const gmacs = (ROWS * COLS * 64) / mm / 1e6;
    console.log(`${name.padEnd(5)} ${threads} thread(s): matvec ${gbs.toFixed(2)} GB/s, 64-token product ${gmacs.toFixed(1)} GMAC/s`);
  }
  k.dispose();
}
