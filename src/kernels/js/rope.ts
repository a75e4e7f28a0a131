// Rotary position embedding, llama.cpp's NORMAL variant (rope type 0, used by `llama`): each
// adjacent pair (x[2i], x[2i+1]) of a head turns by its angle. The angle tables come from
// model/rope.ts so the kernel is pure rotation.

export function ropeJs(
  x: Float32Array,
  nTokens: number,
  nHeads: number,
  headDim: number,
  cos: Float32Array,
  sin: Float32Array,
): void {
  const f = Math.fround;
  const half = headDim / 2;
  for (let t = 0; t < nTokens; t++) {
    for (let h = 0; h < nHeads; h++) {
      const base = (t * nHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = cos[t * half + i]!;
        const s = sin[t * half + i]!;
        const a = x[base + 2 * i]!;
        const b = x[base + 2 * i + 1]!;
        x[base + 2 * i] = f(f(a * c) - f(b * s));
        x[base + 2 * i + 1] = f(f(a * s) + f(b * c));
      }
    }
  }
}
