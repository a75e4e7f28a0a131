// Typed access to the WebAssembly JS API. The project compiles against lib ES2022 without the DOM
// lib, which is where TypeScript declares `WebAssembly`; these few declarations cover what the
// kernels use, without adding globals that could clash with a DOM-typed build.

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
// Opaque handles: only passed between the API's own functions (and posted to workers).
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
}

/** The global WebAssembly object, or undefined where the engine has none. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

export function requireWasm(): WasmApi {
  if (!wasmApi) throw new Error("This JavaScript engine has no WebAssembly support");
  return wasmApi;
}
