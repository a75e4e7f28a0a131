// The Llama forward pass, top to bottom, as llama.cpp's graph computes it:
//   embed → for each layer: RMSNorm → Q,K,V → RoPE → cache → causal GQA attention → out-proj → residual
//                           RMSNorm → SwiGLU feed-forward → residual
//         → RMSNorm → output projection → logits.
// All arithmetic goes through the Kernels seam; this file only orders the steps and owns buffers.
// Reference: llama.cpp src/models/llama.cpp and src/llama-graph.cpp (build_norm, build_attn, build_ffn).

import type { Kernels, WeightMatrix } from "../kernels/kernels.js";
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
    return this.forwardMany([{ cache, tokens, pos0, wanted }])[0]!;
  }

  /**
   * Evaluates several sequences in one pass: their tokens share every matrix product (each weight
   * is streamed once for all of them), while attention stays within each sequence's own cache.
   * This is what continuous batching runs each step. Returns one logits array per sequence.
   */
  forwardMany(seqs: readonly SequenceInput[]): Float32Array[] {
    const { nVocab } = this.cfg;
    const rowCounts = seqs.map((s) => {
      for (let i = 0; i < s.tokens.length; i++) {
        const t = s.tokens[i]!;
        if (!Number.isInteger(t) || t < 0 || t >= nVocab) throw new RangeError(`Token id ${t} is out of range for a vocabulary of ${nVocab}`);
      }
      if (s.hidden && s.hidden.length !== s.tokens.length * this.cfg.nEmbd) {
        throw new RangeError(`The hidden-state buffer holds ${s.hidden.length} values but ${s.tokens.length} tokens need ${s.tokens.length * this.cfg.nEmbd}`);
      }
      if (s.pos0 + s.tokens.length > s.cache.nCtx) {
        throw new RangeError(`Positions ${s.pos0}..${s.pos0 + s.tokens.length - 1} do not fit in a context of ${s.cache.nCtx}`);
      }
      return s.wanted === "all" ? s.tokens.length : s.wanted === "last" && s.tokens.length > 0 ? 1 : 0;
    });
    // One buffer for all sequences' logits, in order, so a pass's output projection can write
    // every sequence's rows in one product without a copy.
    const all = new Float32Array(rowCounts.reduce((sum, n) => sum + n, 0) * nVocab);
    let at = 0;
    const results = rowCounts.map((n) => all.subarray(at * nVocab, (at += n) * nVocab));
    // Cut the sequences into chunks of at most MAX_BATCH tokens; a long prompt spans several chunks.
    let chunk: Segment[] = [];
    let chunkTokens = 0;
    const flush = () => {
      if (chunk.length > 0) this.forwardBatch(chunk);
      chunk = [];
      chunkTokens = 0;
    };
    seqs.forEach((s, i) => {
      for (let start = 0; start < s.tokens.length; ) {
        if (chunkTokens === MAX_BATCH) flush();
        const n = Math.min(MAX_BATCH - chunkTokens, s.tokens.length - start);
        const end = start + n;
        let logits: Float32Array | undefined;
        if (s.wanted === "all") logits = results[i]!.subarray(start * nVocab, end * nVocab);
        else if (s.wanted === "last" && end === s.tokens.length) logits = results[i]!;
        const hidden = s.hidden?.subarray(start * this.cfg.nEmbd, end * this.cfg.nEmbd);
        chunk.push({ cache: s.cache, tokens: s.tokens, start, n, pos0: s.pos0 + start, logits, hidden });
        chunkTokens += n;
        start = end;
      }
    });
    flush();
    return results;
  }

  private forwardBatch(segments: Segment[]): void {
    const { cfg, weights: w, kernels: k } = this;
    const { nEmbd, nHead, nHeadKv, headDim, nFf } = cfg;
    const qDim = nHead * headDim;
    const kvDim = nHeadKv * headDim;
    const n = segments.reduce((sum, s) => sum + s.n, 0);

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

    const positions: number[] = [];
    let row = 0;
    for (const s of segments) {
      for (let t = 0; t < s.n; t++, row++) {
        k.getRow(x, row * nEmbd, w.tokenEmbd, s.tokens[s.start + t]!);
        positions.push(s.pos0 + t);
      }
    }
    ropeAngles(positions, { headDim, freqBase: cfg.ropeFreqBase, freqScale: cfg.ropeFreqScale, freqFactors: w.ropeFreqs }, cos, sin);

    for (let l = 0; l < cfg.nLayer; l++) {
      const L = w.layers[l]!;
      // Attention block.
      k.rmsNorm(h, x, L.attnNorm, n, nEmbd, cfg.normEps);
      matmuls(k, [{ out: q, w: L.attnQ }, { out: kk, w: L.attnK }, { out: v, w: L.attnV }], h, n);
      if (L.bq) addBias(q, L.bq, n);
      if (L.bk) addBias(kk, L.bk, n);
      if (L.bv) addBias(v, L.bv, n);
      k.rope(q, n, nHead, headDim, cos, sin);
      k.rope(kk, n, nHeadKv, headDim, cos, sin);
      // Attention is the one step that stays per sequence: each reads only its own cache.
      let off = 0;
      for (const s of segments) {
        s.cache.write(l, s.pos0, kk.subarray(off * kvDim), v.subarray(off * kvDim), s.n);
        const shape = { nTokens: s.n, pos0: s.pos0, nHead, nHeadKv, headDim, scale: cfg.kqScale };
        k.attention(attn.subarray(off * qDim), q.subarray(off * qDim), s.cache.k[l]!, s.cache.v[l]!, shape);
        off += s.n;
      }
      k.matmul(h, L.attnOutput, attn, n);
      if (L.bo) addBias(h, L.bo, n);
      k.add(x, h, n * nEmbd);
      // Feed-forward block (SwiGLU).
      k.rmsNorm(h, x, L.ffnNorm, n, nEmbd, cfg.normEps);
      matmuls(k, [{ out: gate, w: L.ffnGate }, { out: up, w: L.ffnUp }], h, n);
      k.swiglu(gate, gate, up, n * nFf);
      k.matmul(h, L.ffnDown, gate, n);
      k.add(x, h, n * nEmbd);
    }
    // Only the rows whose logits are wanted go through the (large) output projection, all
    // sequences' rows in one product so each weight block is read once per step, not per sequence.
    const outRows: { logits: Float32Array; from: number; rows: number }[] = [];
    let off = 0;
    for (const s of segments) {
      // Embeddings read the normalized final hidden state (llama.cpp's t_embd, "result_norm").
      if (s.hidden) k.rmsNorm(s.hidden, x.subarray(off * nEmbd, (off + s.n) * nEmbd), w.outputNorm, s.n, nEmbd, cfg.normEps);
      if (s.logits) {
        const rows = s.logits.length / cfg.nVocab;
        outRows.push({ logits: s.logits, from: off + s.n - rows, rows });
      }
      off += s.n;
    }
    if (outRows.length === 0) return;
    const nOut = outRows.reduce((sum, o) => sum + o.rows, 0);
    const normed = new Float32Array(nOut * nEmbd);
    let outRow = 0;
    for (const o of outRows) {
      normed.set(x.subarray(o.from * nEmbd, (o.from + o.rows) * nEmbd), outRow * nEmbd);
      outRow += o.rows;
    }
    k.rmsNorm(normed, normed, w.outputNorm, nOut, nEmbd, cfg.normEps);
    // forwardMany lays every sequence's logits out in one buffer in segment order, so this pass's
    // rows are one contiguous span of it.
    const first = outRows[0]!.logits;
    const last = outRows[outRows.length - 1]!.logits;
    if (last.buffer !== first.buffer || last.byteOffset + last.byteLength !== first.byteOffset + nOut * cfg.nVocab * 4) {
      throw new Error("Internal error: the logits rows of a pass are not one contiguous span");
    }
    k.matmul(new Float32Array(first.buffer, first.byteOffset, nOut * cfg.nVocab), w.output, normed, nOut);
  }
}

/** One sequence's share of a multi-sequence pass. */
export interface SequenceInput {
  cache: KvCache;
  tokens: ArrayLike<number>;
  pos0: number;
  wanted: LogitsWanted;
  /** Optional (nTokens, nEmbd) buffer that receives every position's hidden state after output_norm (embeddings). */
  hidden?: Float32Array;
}

interface Segment {
  cache: KvCache;
  tokens: ArrayLike<number>;
  start: number;
  n: number;
  pos0: number;
  /** Where this segment's logits go (its last row, or all its rows), if any are wanted. */
  logits: Float32Array | undefined;
  /** Where this segment's normalized hidden states go, if wanted. */
  hidden: Float32Array | undefined;
}

/** Products sharing one input: one fused step where the backend offers it (one conversion, one sync). */
function matmuls(k: Kernels, items: { out: Float32Array; w: WeightMatrix }[], x: Float32Array, n: number): void {
  if (k.matmulMany) k.matmulMany(items, x, n);
  else for (const it of items) k.matmul(it.out, it.w, x, n);
}

function addBias(x: Float32Array, bias: Float32Array, n: number): void {
  const d = bias.length;
  for (let t = 0; t < n; t++) for (let i = 0; i < d; i++) x[t * d + i] = Math.fround(x[t * d + i]! + bias[i]!);
}
