// A small, fast, seedable generator for synthetic weights (splitmix32 + Box–Muller). Sampling
// uses its own mt19937; this one only has to be deterministic across platforms.

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in (0, 1). */
  nextFloat(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** n samples of N(0, std²). */
  normalArray(n: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(this.nextFloat())) * std;
      const a = 2 * Math.PI * this.nextFloat();
      out[i] = r * Math.cos(a);
      if (i + 1 < n) out[i + 1] = r * Math.sin(a);
    }
    return out;
  }

  /** RMSNorm weights: around `scale`, with ±10 % spread so no two channels are alike. */
  normArray(n: number, scale: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = scale * (0.9 + 0.2 * this.nextFloat());
    return out;
  }
}
