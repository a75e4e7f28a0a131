// Elementwise steps of the Llama block: SwiGLU's silu(gate)·up and the residual add.

export function swigluJs(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
  const f = Math.fround;
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    out[i] = f(f(g / f(1 + f(Math.exp(-g)))) * up[i]!);
  }
}

export function addJs(x: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) x[i] = x[i]! + y[i]!;
}
