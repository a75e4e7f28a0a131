// The Llama forward pass, top to bottom, as llama.cpp's graph computes it:
//   embed → for each layer: RMSNorm → Q,K,V → RoPE → cache → causal GQA attention → out-proj → residual
//                           RMSNorm → SwiGLU feed-forward → residual
//         → RMSNorm → output projection → logits.
// All arithmetic goes through the Kernels seam; this file only orders the steps and owns buffers.
// Reference: llama.cpp src/models/llama.cpp and src/llama-graph.cpp (build_norm, build_attn, build_ffn).

import type { Kernels } from "../kernels/kernels.js";
import type { ModelConfig } from "./config.js";
import type { KvCache } from "./kv-cache.js";
import { ropeAngles } from "./rope.js";
import type { LlamaWeights } from "./weights.js";

/** Which positions of a batch need logits. */
export type LogitsWanted = "last" | "all" | "none";

/** Tokens evaluated per pass; longer prompts are split (llama.cpp's n_ubatch default is 512). */
export const MAX_BATCH = 512;

export class LlamaForward {
  constructor(
    readonly cfg: ModelConfig,
    readonly weights: LlamaWeights,
    readonly kernels: Kernels,
  ) {}

  /**
   * Evaluates `tokens` at positions pos0 … pos0+n-1, appending their keys/values to `cache`.
   * Returns logits (nVocab per wanted position, row-major), or an empty array for "none".
   */
  forward(cache: KvCache, tokens: ArrayLike<number>, pos0: number, wanted: LogitsWanted): Float32Array {
    const { nVocab } = this.cfg;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (!Number.isInteger(t) || t < 0 || t >= nVocab) throw new RangeError(`Token id ${t} is out of range for a vocabulary of ${nVocab}`);
    }
    if (pos0 + tokens.length > cache.nCtx) {
      throw new RangeError(`Positions ${pos0}..${pos0 + tokens.length - 1} do not fit in a context of ${cache.nCtx}`);
    }
    const nOut = wanted === "all" ? tokens.length : wanted === "last" ? 1 : 0;
    const logits = new Float32Array(nOut * nVocab);
    for (let start = 0; start < tokens.length; start += MAX_BATCH) {
      const n = Math.min(MAX_BATCH, tokens.length - start);
      const isLastChunk = start + n === tokens.length;
      const rows = wanted === "all" ? n : wanted === "last" && isLastChunk ? 1 : 0;
      const out = rows === 0 ? undefined : logits.subarray((wanted === "all" ? start : 0) * nVocab, ((wanted === "all" ? start : 0) + rows) * nVocab);
      this.forwardBatch(cache, tokens, start, n, pos0 + start, out);
    }
    return logits;
  }

  private forwardBatch(cache: KvCache, tokens: ArrayLike<number>, start: number, n: number, pos0: number, logits?: Float32Array): void {
    const { cfg, weights: w, kernels: k } = this;
    const { nEmbd, nHead, nHeadKv, headDim, nFf } = cfg;
    const qDim = nHead * headDim;
    const kvDim = nHeadKv * headDim;

    const x = new Float32Array(n * nEmbd); //      (n, nEmbd) residual stream
    const h = new Float32Array(n * nEmbd); //      (n, nEmbd) normalized input of a sub-block
    const q = new Float32Array(n * qDim); //       (n, nHead, headDim)
    const kk = new Float32Array(n * kvDim); //     (n, nHeadKv, headDim)
    const v = new Float32Array(n * kvDim); //      (n, nHeadKv, headDim)
    const attn = new Float32Array(n * qDim); //    (n, nHead, headDim)
    const gate = new Float32Array(n * nFf); //     (n, nFf)
    const up = new Float32Array(n * nFf); //       (n, nFf)
    const half = headDim / 2;
    const cos = new Float32Array(n * half); //     (n, headDim/2)
    const sin = new Float32Array(n * half); //     (n, headDim/2)

    for (let t = 0; t < n; t++) k.getRow(x, t * nEmbd, w.tokenEmbd, tokens[start + t]!);
    const positions = Array.from({ length: n }, (_, t) => pos0 + t);
    ropeAngles(positions, { headDim, freqBase: cfg.ropeFreqBase, freqScale: cfg.ropeFreqScale, freqFactors: w.ropeFreqs }, cos, sin);

    for (let l = 0; l < cfg.nLayer; l++) {
      const L = w.layers[l]!;
      // Attention block.
      k.rmsNorm(h, x, L.attnNorm, n, nEmbd, cfg.normEps);
      k.matmul(q, L.attnQ, h, n);
      k.matmul(kk, L.attnK, h, n);
      k.matmul(v, L.attnV, h, n);
      if (L.bq) addBias(q, L.bq, n);
      if (L.bk) addBias(kk, L.bk, n);
      if (L.bv) addBias(v, L.bv, n);
      k.rope(q, n, nHead, headDim, cos, sin);
      k.rope(kk, n, nHeadKv, headDim, cos, sin);
      cache.write(l, pos0, kk, v, n);
      k.attention(attn, q, cache.k[l]!, cache.v[l]!, { nTokens: n, pos0, nHead, nHeadKv, headDim, scale: cfg.kqScale });
      k.matmul(h, L.attnOutput, attn, n);
      if (L.bo) addBias(h, L.bo, n);
      k.add(x, h, n * nEmbd);
      // Feed-forward block (SwiGLU).
      k.rmsNorm(h, x, L.ffnNorm, n, nEmbd, cfg.normEps);
      k.matmul(gate, L.ffnGate, h, n);
      k.matmul(up, L.ffnUp, h, n);
      k.swiglu(gate, gate, up, n * nFf);
      k.matmul(h, L.ffnDown, gate, n);
      k.add(x, h, n * nEmbd);
    }
    if (!logits) return;

    // Only the rows whose logits are wanted go through the (large) output projection.
    const rows = logits.length / cfg.nVocab;
    const tail = x.subarray((n - rows) * nEmbd);
    const normed = new Float32Array(rows * nEmbd);
    k.rmsNorm(normed, tail, w.outputNorm, rows, nEmbd, cfg.normEps);
    k.matmul(logits, w.output, normed, rows);
  }
}

function addBias(x: Float32Array, bias: Float32Array, n: number): void {
  const d = bias.length;
  for (let t = 0; t < n; t++) for (let i = 0; i < d; i++) x[t * d + i] = Math.fround(x[t * d + i]! + bias[i]!);
}
