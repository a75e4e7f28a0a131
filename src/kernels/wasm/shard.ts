// One WebAssembly memory (at most 4 GiB) with its allocator and the main thread's kernel instance.
// Models larger than one memory are spread over several shards, each a separate shared memory
// with its own instance per thread (Node 20 has neither memory64 growth past 4 GiB nor
// multi-memory); every kernel call runs in the shard that holds its weight or KV buffer.

import { F16_TO_F32 } from "../../tensors/f16.js";
import { FreeList } from "./free-list.js";
import type { KernelExports } from "./kernel-module.js";
import { requireWasm, type WasmMemory, type WasmModule } from "./wasm-api.js";

const PAGE = 65536;
/** 65535 pages: a typed-array view of exactly 2^32 bytes is not allowed everywhere. */
export const MAX_PAGES = 65535;
/** The module's static data (Math.exp tables) lives below this address. */
const RESERVED = 65536;

export class Shard {
  readonly memory: WasmMemory;
  readonly exports: KernelExports;
  readonly alloc: FreeList;
  /** Address of this memory's f16 → f32 table (65536 f32), shared by every thread's instance. */
  readonly f16Table: number;
  private u8View: Uint8Array;

  constructor(
    readonly index: number,
    module: WasmModule,
    shared: boolean,
    maxPages = MAX_PAGES,
  ) {
    this.memory = new (requireWasm().Memory)({ initial: RESERVED / PAGE, maximum: maxPages, shared });
    this.u8View = new Uint8Array(this.memory.buffer);
    this.alloc = new FreeList(RESERVED, maxPages * PAGE, (end) => this.growTo(end));
    this.exports = instantiate(module, this.memory);
    this.f16Table = this.alloc.alloc(65536 * 4);
    if (this.f16Table < 0) throw new Error("Cannot allocate the f16 table in a new WebAssembly memory");
    new Float32Array(this.memory.buffer, this.f16Table, 65536).set(F16_TO_F32);
    this.exports.set_f16_table(this.f16Table);
  }

  /** The whole memory as bytes (refreshed after growth). */
  get u8(): Uint8Array {
    if (this.u8View.byteLength !== this.memory.buffer.byteLength) this.u8View = new Uint8Array(this.memory.buffer);
    return this.u8View;
  }

  f32(p: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, p, n);
  }

  /** Allocates or throws a RangeError naming what did not fit. */
  allocOrThrow(bytes: number, what: string): number {
    const p = this.alloc.alloc(bytes);
    if (p < 0) throw new RangeError(`Cannot allocate ${bytes} bytes for ${what} in WebAssembly memory ${this.index}`);
    return p;
  }

  private growTo(end: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return true;
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
      return true;
    } catch {
      return false;
    }
  }
}

export function instantiate(module: WasmModule, memory: WasmMemory): KernelExports {
  return new (requireWasm().Instance)(module, { env: { memory } }).exports as unknown as KernelExports;
}
