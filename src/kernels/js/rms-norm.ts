// RMSNorm as ggml_rms_norm computes it on the CPU: squares summed in double, then the f32
// scale 1/sqrt(mean + eps), then a separate multiply by the learned weight.

export function rmsNormJs(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  nTokens: number,
  n: number,
  eps: number,
): void {
  const f = Math.fround;
  for (let t = 0; t < nTokens; t++) {
    const off = t * n;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = x[off + i]!;
      sum += f(v * v);
    }
    const mean = f(sum / n);
    const scale = f(1 / f(Math.sqrt(f(mean + eps))));
    for (let i = 0; i < n; i++) out[off + i] = f(f(x[off + i]! * scale) * weight[i]!);
  }
}
