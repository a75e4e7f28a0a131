// The Llama forward and backward passes for training, written side by side per layer (the llm.c
// way): each forward step stores what its backward step needs, and the backward pass walks the
// same steps in reverse. The computation is the engine's (src/model/llama.ts, llama.cpp's): RMSNorm,
// NORMAL (adjacent-pair) RoPE, grouped-query causal attention, SwiGLU, optionally tied embeddings,
// so the exported GGUF runs unchanged in llama.ts and llama.cpp. All matrix products go through
// TrainCompute.sgemm; the memory-bound steps are plain loops over the same arrays.
//
// Layout: a batch is B sequences of T tokens, N = B·T rows. Activations are row-major (N, width);
// weights are (out, in) row-major as in GGUF, so a linear layer is Y = X·Wᵀ.

import type { TrainCompute, Vec } from "./compute.js";
import { paramLayout, type ParamLayout, type ParamTensor, type TrainShape } from "./model-shape.js";

interface LayerActs {
  xn1: Vec; rstd1: Vec; q: Vec; k: Vec; v: Vec; probs: Vec; attnOut: Vec;
  mid: Vec; xn2: Vec; rstd2: Vec; gate: Vec; up: Vec; hidden: Vec;
  /** σ(gate), kept for the backward pass. */
  sig: Vec;
}

export class TrainableLlama {
  readonly layout: ParamLayout;
  readonly params: Vec;
  readonly grads: Vec;
  readonly nRows: number;
  private readonly headDim: number;
  private readonly kvDim: number;
  private readonly resid: Vec[];
  private readonly acts: LayerActs[];
  private readonly xf: Vec;
  private readonly rstdF: Vec;
  private readonly logits: Vec;
  // Backward scratch.
  private readonly dRes: Vec;
  private readonly dTmp: Vec;
  private readonly dQ: Vec;
  private readonly dK: Vec;
  private readonly dV: Vec;
  private readonly dAttn: Vec;
  private readonly dGate: Vec;
  private readonly dUp: Vec;
  private readonly dHidden: Vec;
  private readonly dProbs: Vec;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private inputs = new Int32Array(0);

  constructor(readonly shape: TrainShape, private readonly compute: TrainCompute, readonly batch: number, readonly seqLen: number) {
    if (!Number.isInteger(batch) || batch <= 0) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    if (!Number.isInteger(seqLen) || seqLen <= 0 || seqLen > shape.nCtx) throw new RangeError(`seqLen must be in 1..${shape.nCtx}, got ${seqLen}`);
    this.layout = paramLayout(shape);
    const { nEmbd: D, nLayer: L, nHead: H, nFf: F, nVocab: V } = shape;
    const N = (this.nRows = batch * seqLen);
    const T = seqLen;
    this.headDim = D / H;
    this.kvDim = shape.nHeadKv * this.headDim;
    const a = (n: number) => compute.alloc(n);
    this.params = a(this.layout.nParams);
    this.grads = a(this.layout.nParams);
    this.resid = Array.from({ length: L + 1 }, () => a(N * D));
    this.acts = Array.from({ length: L }, () => ({
      xn1: a(N * D), rstd1: a(N), q: a(N * D), k: a(N * this.kvDim), v: a(N * this.kvDim),
      probs: a(batch * H * T * T), attnOut: a(N * D), mid: a(N * D), xn2: a(N * D), rstd2: a(N),
      gate: a(N * F), up: a(N * F), hidden: a(N * F), sig: a(N * F),
    }));
    this.xf = a(N * D);
    this.rstdF = a(N);
    this.logits = a(N * V);
    this.dRes = a(N * D);
    this.dTmp = a(N * D);
    this.dQ = a(N * D);
    this.dK = a(N * this.kvDim);
    this.dV = a(N * this.kvDim);
    this.dAttn = a(N * D);
    this.dGate = a(N * F);
    this.dUp = a(N * F);
    this.dHidden = a(N * F);
    this.dProbs = a(T * T);
    // RoPE angle tables: position t, pair i rotates by t · base^(-2i/headDim).
    const half = this.headDim / 2;
    this.cos = new Float64Array(T * half);
    this.sin = new Float64Array(T * half);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < half; i++) {
        const angle = t * Math.pow(shape.ropeFreqBase, (-2 * i) / this.headDim);
        this.cos[t * half + i] = Math.cos(angle);
        this.sin[t * half + i] = Math.sin(angle);
      }
    }
  }

  /** A tensor's slice of `params` (or of `grads`). */
  view(t: ParamTensor, of: Vec = this.params): Vec {
    return of.subarray(t.offset, t.offset + t.size);
  }

  /**
   * Forward pass over `inputs` (N token ids); returns Σ weights[n] · −log p(targets[n]). With
   * `backward`, also adds the gradient of that sum to `grads` (which the caller zeroes per step).
   */
  step(inputs: ArrayLike<number>, targets: ArrayLike<number>, weights: ArrayLike<number>, backward: boolean): number {
    const N = this.nRows;
    if (inputs.length !== N || targets.length !== N || weights.length !== N) {
      throw new RangeError(`A batch is ${N} tokens (${this.batch} × ${this.seqLen}); got ${inputs.length} inputs, ${targets.length} targets, ${weights.length} weights`);
    }
    this.inputs = Int32Array.from(inputs as ArrayLike<number>);
    this.forward();
    const loss = this.lossAndGrad(targets, weights, backward);
    if (backward) this.backward();
    return loss;
  }

  /**
   * Next-token logits after each of `tokens` (one sequence, at most seqLen long; batch 1 models).
   * Positions after the last token are padding that causal attention never lets earlier ones see.
   */
  logitsOf(tokens: readonly number[]): Vec {
    if (this.batch !== 1 || tokens.length === 0 || tokens.length > this.seqLen) throw new RangeError(`logitsOf needs a batch-1 model and 1..${this.seqLen} tokens`);
    const padded = new Int32Array(this.seqLen);
    padded.set(tokens);
    this.inputs = padded;
    this.forward();
    return this.logits.subarray(0, tokens.length * this.shape.nVocab);
  }

  private forward(): void {
    const { nEmbd: D, nVocab: V, nLayer: L } = this.shape;
    const N = this.nRows;
    const emb = this.view(this.layout.tokenEmbd);
    const x0 = this.resid[0]!;
    for (let n = 0; n < N; n++) {
      const tok = this.inputs[n]!;
      if (tok < 0 || tok >= V) throw new RangeError(`Token id ${tok} is outside the vocabulary of ${V}`);
      x0.set(emb.subarray(tok * D, tok * D + D), n * D);
    }
    for (let l = 0; l < L; l++) this.layerForward(l);
    rmsNormForward(this.xf, this.rstdF, this.resid[L]!, this.view(this.layout.outputNorm), N, D, this.shape.normEps);
    this.linear(this.logits, this.xf, this.layout.output, V, D);
  }

  private layerForward(l: number): void {
    const { nEmbd: D, nFf: F, normEps } = this.shape;
    const N = this.nRows;
    const p = this.layout.layers[l]!;
    const a = this.acts[l]!;
    const x = this.resid[l]!;
    // Attention block.
    rmsNormForward(a.xn1, a.rstd1, x, this.view(p.attnNorm), N, D, normEps);
    this.linear(a.q, a.xn1, p.wq, D, D);
    this.linear(a.k, a.xn1, p.wk, this.kvDim, D);
    this.linear(a.v, a.xn1, p.wv, this.kvDim, D);
    this.rope(a.q, this.shape.nHead, 1);
    this.rope(a.k, this.shape.nHeadKv, 1);
    this.attentionForward(a);
    a.mid.set(x);
    this.linear(a.mid, a.attnOut, p.wo, D, D, 1);
    // Feed-forward block.
    rmsNormForward(a.xn2, a.rstd2, a.mid, this.view(p.ffnNorm), N, D, normEps);
    this.linear(a.gate, a.xn2, p.wGate, F, D);
    this.linear(a.up, a.xn2, p.wUp, F, D);
    swigluForward(a.hidden, a.sig, a.gate, a.up, N * F);
    const out = this.resid[l + 1]!;
    out.set(a.mid);
    this.linear(out, a.hidden, p.wDown, D, F, 1);
  }

  private layerBackward(l: number): void {
    // On entry dRes holds ∂loss/∂resid[l+1]; on exit ∂loss/∂resid[l].
    const { nEmbd: D, nFf: F } = this.shape;
    const N = this.nRows;
    const p = this.layout.layers[l]!;
    const a = this.acts[l]!;
    // Feed-forward block: resid[l+1] = mid + hidden·Wdownᵀ.
    this.linearBackward(this.dHidden, this.dRes, a.hidden, p.wDown, D, F, 0);
    swigluBackward(this.dGate, this.dUp, this.dHidden, a.sig, a.gate, a.up, N * F);
    this.linearBackward(this.dTmp, this.dGate, a.xn2, p.wGate, F, D, 0);
    this.linearBackward(this.dTmp, this.dUp, a.xn2, p.wUp, F, D, 1);
    rmsNormBackward(this.dRes, this.view(p.ffnNorm, this.grads), this.dTmp, a.mid, a.rstd2, this.view(p.ffnNorm), N, D);
    // Attention block: mid = resid[l] + attnOut·Woᵀ.
    this.linearBackward(this.dAttn, this.dRes, a.attnOut, p.wo, D, D, 0);
    this.attentionBackward(a);
    this.rope(this.dQ, this.shape.nHead, -1);
    this.rope(this.dK, this.shape.nHeadKv, -1);
    this.linearBackward(this.dTmp, this.dQ, a.xn1, p.wq, D, D, 0);
    this.linearBackward(this.dTmp, this.dK, a.xn1, p.wk, this.kvDim, D, 1);
    this.linearBackward(this.dTmp, this.dV, a.xn1, p.wv, this.kvDim, D, 1);
    rmsNormBackward(this.dRes, this.view(p.attnNorm, this.grads), this.dTmp, this.resid[l]!, a.rstd1, this.view(p.attnNorm), N, D);
  }

  private backward(): void {
    const { nEmbd: D, nVocab: V, nLayer: L } = this.shape;
    const N = this.nRows;
    // logits = xf·Woutᵀ; dLogits is in this.logits.
    this.linearBackward(this.dTmp, this.logits, this.xf, this.layout.output, V, D, 0);
    this.dRes.fill(0);
    rmsNormBackward(this.dRes, this.view(this.layout.outputNorm, this.grads), this.dTmp, this.resid[L]!, this.rstdF, this.view(this.layout.outputNorm), N, D);
    for (let l = L - 1; l >= 0; l--) this.layerBackward(l);
    const gEmb = this.view(this.layout.tokenEmbd, this.grads);
    for (let n = 0; n < N; n++) {
      const row = this.inputs[n]! * D;
      for (let i = 0; i < D; i++) gEmb[row + i]! += this.dRes[n * D + i]!;
    }
  }

  /** Softmax cross-entropy; leaves ∂loss/∂logits in this.logits when `backward`. */
  private lossAndGrad(targets: ArrayLike<number>, weights: ArrayLike<number>, backward: boolean): number {
    const V = this.shape.nVocab;
    const logits = this.logits;
    let loss = 0;
    for (let n = 0; n < this.nRows; n++) {
      const w = weights[n]!;
      const row = n * V;
      if (w === 0) {
        if (backward) logits.fill(0, row, row + V);
        continue;
      }
      const target = targets[n]!;
      if (target < 0 || target >= V) throw new RangeError(`Target id ${target} is outside the vocabulary of ${V}`);
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (logits[row + j]! > max) max = logits[row + j]!;
      const targetLogit = logits[row + target]!;
      let sum = 0;
      if (backward) {
        // Keep each exp for the gradient instead of computing it twice.
        for (let j = 0; j < V; j++) {
          const e = Math.exp(logits[row + j]! - max);
          logits[row + j] = e;
          sum += e;
        }
        const scale = w / sum;
        for (let j = 0; j < V; j++) logits[row + j]! *= scale;
        logits[row + target]! -= w;
      } else {
        for (let j = 0; j < V; j++) sum += Math.exp(logits[row + j]! - max);
      }
      loss += w * (Math.log(sum) + max - targetLogit);
    }
    return loss;
  }

  /** Y = X·Wᵀ (+ beta·Y): X is (N, inDim), W is (outDim, inDim). */
  private linear(y: Vec, x: Vec, w: ParamTensor, outDim: number, inDim: number, beta = 0): void {
    this.compute.sgemm(false, true, this.nRows, outDim, inDim, 1, x, inDim, this.view(w), inDim, beta, y, outDim);
  }

  /** For Y = X·Wᵀ: dX = dY·W (+ beta·dX) and dW += dYᵀ·X. */
  private linearBackward(dx: Vec, dy: Vec, x: Vec, w: ParamTensor, outDim: number, inDim: number, beta: number): void {
    const N = this.nRows;
    this.compute.sgemm(true, false, outDim, inDim, N, 1, dy, outDim, x, inDim, 1, this.view(w, this.grads), inDim);
    this.compute.sgemm(false, false, N, inDim, outDim, 1, dy, outDim, this.view(w), inDim, beta, dx, inDim);
  }

  /** Rotates adjacent pairs of every head by the position's angles; direction −1 applies the inverse (the backward pass). */
  private rope(x: Vec, nHeads: number, direction: 1 | -1): void {
    const hd = this.headDim;
    const half = hd / 2;
    const width = nHeads * hd;
    for (let n = 0; n < this.nRows; n++) {
      const t = n % this.seqLen;
      for (let h = 0; h < nHeads; h++) {
        const base = n * width + h * hd;
        for (let i = 0; i < half; i++) {
          const c = this.cos[t * half + i]!;
          const s = direction * this.sin[t * half + i]!;
          const x0 = x[base + 2 * i]!;
          const x1 = x[base + 2 * i + 1]!;
          x[base + 2 * i] = x0 * c - x1 * s;
          x[base + 2 * i + 1] = x0 * s + x1 * c;
        }
      }
    }
  }

  /**
   * Calls `fn` for every (sequence, query head) with the offsets of its slice in the (N, D)
   * query-shaped arrays and in the (N, kvDim) key/value-shaped arrays (GQA: query head h reads
   * KV head ⌊h / group⌋), and its T×T block of `probs`.
   */
  private forEachHead(probs: Vec, fn: (qOff: number, kvOff: number, headProbs: Vec) => void): void {
    const { nHead: H, nEmbd: D } = this.shape;
    const T = this.seqLen;
    const group = H / this.shape.nHeadKv;
    for (let b = 0; b < this.batch; b++) {
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / group);
        fn(b * T * D + h * this.headDim, b * T * this.kvDim + g * this.headDim, probs.subarray((b * H + h) * T * T, (b * H + h + 1) * T * T));
      }
    }
  }

  private attentionForward(a: LayerActs): void {
    const D = this.shape.nEmbd;
    const T = this.seqLen;
    const hd = this.headDim;
    const kvD = this.kvDim;
    const scale = 1 / Math.sqrt(hd);
    this.forEachHead(a.probs, (qOff, kvOff, probs) => {
      this.compute.sgemm(false, true, T, T, hd, scale, a.q.subarray(qOff), D, a.k.subarray(kvOff), kvD, 0, probs, T);
      causalSoftmax(probs, T);
      this.compute.sgemm(false, false, T, hd, T, 1, probs, T, a.v.subarray(kvOff), kvD, 0, a.attnOut.subarray(qOff), D);
    });
  }

  /** From dAttn (∂loss/∂attnOut) to dQ, dK, dV (rotated coordinates). */
  private attentionBackward(a: LayerActs): void {
    const D = this.shape.nEmbd;
    const T = this.seqLen;
    const hd = this.headDim;
    const kvD = this.kvDim;
    const scale = 1 / Math.sqrt(hd);
    const dP = this.dProbs;
    this.dK.fill(0);
    this.dV.fill(0);
    this.forEachHead(a.probs, (qOff, kvOff, probs) => {
      const dO = this.dAttn.subarray(qOff);
      const q = a.q.subarray(qOff);
      const k = a.k.subarray(kvOff);
      const v = a.v.subarray(kvOff);
      this.compute.sgemm(false, true, T, T, hd, 1, dO, D, v, kvD, 0, dP, T);
      this.compute.sgemm(true, false, T, hd, T, 1, probs, T, dO, D, 1, this.dV.subarray(kvOff), kvD);
      // Softmax backward: dS = P ⊙ (dP − Σ_j P·dP), zero above the diagonal.
      for (let i = 0; i < T; i++) {
        const r = i * T;
        let dot = 0;
        for (let j = 0; j <= i; j++) dot += probs[r + j]! * dP[r + j]!;
        for (let j = 0; j <= i; j++) dP[r + j] = probs[r + j]! * (dP[r + j]! - dot);
        dP.fill(0, r + i + 1, r + T);
      }
      this.compute.sgemm(false, false, T, hd, T, scale, dP, T, k, kvD, 0, this.dQ.subarray(qOff), D);
      this.compute.sgemm(true, false, T, hd, T, scale, dP, T, q, D, 1, this.dK.subarray(kvOff), kvD);
    });
  }
}

/** Row-wise softmax over columns 0..i of row i (causal mask); columns above the diagonal become 0. */
function causalSoftmax(s: Vec, T: number): void {
  for (let i = 0; i < T; i++) {
    const r = i * T;
    let max = -Infinity;
    for (let j = 0; j <= i; j++) if (s[r + j]! > max) max = s[r + j]!;
    let sum = 0;
    for (let j = 0; j <= i; j++) {
      const e = Math.exp(s[r + j]! - max);
      s[r + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j <= i; j++) s[r + j]! *= inv;
    s.fill(0, r + i + 1, r + T);
  }
}

/** y = x / rms(x) ⊙ w per row; keeps 1/rms per row for the backward pass. */
function rmsNormForward(y: Vec, rstd: Vec, x: Vec, w: Vec, nRows: number, n: number, eps: number): void {
  for (let r = 0; r < nRows; r++) {
    const o = r * n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[o + i]! * x[o + i]!;
    const s = 1 / Math.sqrt(ss / n + eps);
    rstd[r] = s;
    for (let i = 0; i < n; i++) y[o + i] = x[o + i]! * s * w[i]!;
  }
}

/** dx += ∂/∂x of Σ dy·rmsnorm(x)·w; dw += Σ_rows dy·x/rms(x). */
function rmsNormBackward(dx: Vec, dw: Vec, dy: Vec, x: Vec, rstd: Vec, w: Vec, nRows: number, n: number): void {
  for (let r = 0; r < nRows; r++) {
    const o = r * n;
    const s = rstd[r]!;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += dy[o + i]! * w[i]! * x[o + i]!;
    const c = (s * s * s * dot) / n;
    for (let i = 0; i < n; i++) {
      dx[o + i]! += s * dy[o + i]! * w[i]! - c * x[o + i]!;
      dw[i]! += dy[o + i]! * x[o + i]! * s;
    }
  }
}

function swigluForward(out: Vec, sigOut: Vec, gate: Vec, up: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const sig = 1 / (1 + Math.exp(-g));
    sigOut[i] = sig;
    out[i] = g * sig * up[i]!;
  }
}

function swigluBackward(dGate: Vec, dUp: Vec, dOut: Vec, sigmoid: Vec, gate: Vec, up: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const sig = sigmoid[i]!;
    const d = dOut[i]!;
    dUp[i] = d * g * sig;
    dGate[i] = d * up[i]! * sig * (1 + g * (1 - sig));
  }
}
