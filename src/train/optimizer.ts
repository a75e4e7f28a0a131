// AdamW (decoupled weight decay, Loshchilov & Hutter) with global-norm gradient clipping, and the
// learning-rate schedule: linear warmup, then cosine decay to a floor. Norm weights are not
// decayed (decaying them pulls every channel's gain towards zero for no benefit).

import type { Vec } from "./compute.js";
import type { ParamLayout } from "./model-shape.js";

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Largest global gradient norm; larger gradients are scaled down to it (0: no clipping). */
  gradClip: number;
}

export interface ScheduleOptions {
  lr: number;
  minLr: number;
  warmupSteps: number;
  steps: number;
}

/** Learning rate of 0-based step `step`. */
export function learningRate(step: number, s: ScheduleOptions): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const decaySteps = Math.max(1, s.steps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / decaySteps);
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos(Math.PI * progress));
}

export class AdamW {
  /** First and second moments, f32 like the parameters (saved in checkpoints). */
  readonly m: Float32Array;
  readonly v: Float32Array;
  private readonly decay: Uint8Array;

  constructor(layout: ParamLayout, private readonly opts: AdamWOptions) {
    this.m = new Float32Array(layout.nParams);
    this.v = new Float32Array(layout.nParams);
    this.decay = new Uint8Array(layout.nParams);
    for (const t of layout.tensors) if (!t.isNorm) this.decay.fill(1, t.offset, t.offset + t.size);
  }

  /** √Σ g². */
  static gradNorm(grads: Vec): number {
    let s = 0;
    for (let i = 0; i < grads.length; i++) s += grads[i]! * grads[i]!;
    return Math.sqrt(s);
  }

  /** One update of `params` from `grads` at 1-based step `t` with learning rate `lr`; returns the gradient norm before clipping. */
  update(params: Vec, grads: Vec, t: number, lr: number): number {
    const { beta1, beta2, eps, weightDecay, gradClip } = this.opts;
    const norm = AdamW.gradNorm(grads);
    if (!Number.isFinite(norm)) throw new Error(`The gradient norm is ${norm} at step ${t}: training diverged (lower the learning rate)`);
    const scale = gradClip > 0 && norm > gradClip ? gradClip / norm : 1;
    const c1 = 1 - Math.pow(beta1, t);
    const c2 = 1 - Math.pow(beta2, t);
    const { m, v, decay } = this;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i]! * scale;
      m[i] = beta1 * m[i]! + (1 - beta1) * g;
      v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
      const step = m[i]! / c1 / (Math.sqrt(v[i]! / c2) + eps);
      params[i] = params[i]! - lr * (step + (decay[i] ? weightDecay * params[i]! : 0));
    }
    return norm;
  }
}
