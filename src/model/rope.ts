// Rotary angle tables, computed the way ggml's CPU rope does so that positions far into the
// context round like llama.cpp's: theta starts at the position and is multiplied by
// base^(-2/nRot) once per pair (an iterative f32 product), divided by the Llama 3.1 frequency
// factors from `rope_freqs.weight` when present, then scaled by freq_scale.
// Reference: ggml/src/ggml-cpu/ops.cpp (rope_cache_init, rope_yarn with ext_factor = 0).

export interface RopeParams {
  headDim: number;
  freqBase: number;
  freqScale: number;
  /** (headDim/2) divisors per pair, from rope_freqs.weight (Llama 3.1 "llama3" scaling). */
  freqFactors?: Float32Array | undefined;
}

/** Fills cos/sin (nTokens, headDim/2) for the given absolute positions. */
export function ropeAngles(positions: ArrayLike<number>, p: RopeParams, cos: Float32Array, sin: Float32Array): void {
  const f = Math.fround;
  const half = p.headDim / 2;
  const thetaScale = f(Math.pow(f(p.freqBase), f(-2 / p.headDim)));
  for (let t = 0; t < positions.length; t++) {
    let theta = f(positions[t]!);
    for (let i = 0; i < half; i++) {
      const ff = p.freqFactors ? p.freqFactors[i]! : 1;
      const angle = f(f(p.freqScale) * f(theta / ff));
      cos[t * half + i] = f(Math.cos(angle));
      sin[t * half + i] = f(Math.sin(angle));
      theta = f(theta * thetaScale);
    }
  }
}

/**
 * The Llama 3.1 frequency-factor table that converters bake into `rope_freqs.weight`
 * (HF rope_scaling type "llama3"); used when synthesizing models.
 */
export function llama3RopeFreqFactors(
  headDim: number,
  freqBase: number,
  opts = { factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 8192 },
): Float32Array {
  const out = new Float32Array(headDim / 2);
  const lowWavelen = opts.originalContext / opts.lowFreqFactor;
  const highWavelen = opts.originalContext / opts.highFreqFactor;
  for (let i = 0; i < headDim / 2; i++) {
    const freq = Math.fround(1 / Math.pow(freqBase, (2 * i) / headDim));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = opts.factor;
    else {
      const smooth = (opts.originalContext / wavelen - opts.lowFreqFactor) / (opts.highFreqFactor - opts.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / opts.factor + smooth);
    }
  }
  return out;
}
