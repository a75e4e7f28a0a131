// The shape of a trainable Llama and where each of its tensors sits in one flat parameter array.
// Tensors carry their GGUF names and ggml dims, so export is a walk over this table and a
// checkpoint is the flat arrays plus this description.

export interface TrainShape {
  nVocab: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  /** Training sequence length, also written as the model's context length. */
  nCtx: number;
  ropeFreqBase: number;
  normEps: number;
  /** Output projection shares token_embd.weight (no output.weight), as in Llama 3.2. */
  tiedEmbeddings: boolean;
}

export interface ParamTensor {
  name: string;
  /** ggml ne: [cols, rows] for matrices (rows × cols row-major), [n] for vectors. */
  dims: number[];
  offset: number;
  size: number;
  /** RMSNorm weights are initialized to 1 and exempt from weight decay. */
  isNorm: boolean;
}

export interface LayerParams {
  attnNorm: ParamTensor;
  wq: ParamTensor;
  wk: ParamTensor;
  wv: ParamTensor;
  wo: ParamTensor;
  ffnNorm: ParamTensor;
  wGate: ParamTensor;
  wUp: ParamTensor;
  wDown: ParamTensor;
}

export interface ParamLayout {
  tensors: ParamTensor[];
  tokenEmbd: ParamTensor;
  layers: LayerParams[];
  outputNorm: ParamTensor;
  /** Equal to tokenEmbd when embeddings are tied. */
  output: ParamTensor;
  nParams: number;
}

export function checkShape(s: TrainShape): void {
  for (const k of ["nVocab", "nEmbd", "nLayer", "nHead", "nHeadKv", "nFf", "nCtx"] as const) {
    if (!Number.isInteger(s[k]) || s[k] <= 0) throw new RangeError(`Model field "${k}" must be a positive integer, got ${s[k]}`);
  }
  if (s.nEmbd % s.nHead !== 0) throw new RangeError(`nEmbd ${s.nEmbd} is not a multiple of nHead ${s.nHead}`);
  if (s.nHead % s.nHeadKv !== 0) throw new RangeError(`nHead ${s.nHead} is not a multiple of nHeadKv ${s.nHeadKv}`);
  if ((s.nEmbd / s.nHead) % 2 !== 0) throw new RangeError(`Head size ${s.nEmbd / s.nHead} must be even (RoPE rotates pairs)`);
  if (!(s.ropeFreqBase > 0)) throw new RangeError(`ropeFreqBase must be positive, got ${s.ropeFreqBase}`);
  if (!(s.normEps > 0)) throw new RangeError(`normEps must be positive, got ${s.normEps}`);
}

export function paramLayout(s: TrainShape): ParamLayout {
  checkShape(s);
  const tensors: ParamTensor[] = [];
  let offset = 0;
  const add = (name: string, dims: number[], isNorm = false): ParamTensor => {
    const size = dims.reduce((a, b) => a * b, 1);
    const t = { name, dims, offset, size, isNorm };
    offset += size;
    tensors.push(t);
    return t;
  };
  const headDim = s.nEmbd / s.nHead;
  const kvDim = s.nHeadKv * headDim;
  const tokenEmbd = add("token_embd.weight", [s.nEmbd, s.nVocab]);
  const layers: LayerParams[] = [];
  for (let l = 0; l < s.nLayer; l++) {
    const b = `blk.${l}.`;
    layers.push({
      attnNorm: add(`${b}attn_norm.weight`, [s.nEmbd], true),
      wq: add(`${b}attn_q.weight`, [s.nEmbd, s.nEmbd]),
      wk: add(`${b}attn_k.weight`, [s.nEmbd, kvDim]),
      wv: add(`${b}attn_v.weight`, [s.nEmbd, kvDim]),
      wo: add(`${b}attn_output.weight`, [s.nEmbd, s.nEmbd]),
      ffnNorm: add(`${b}ffn_norm.weight`, [s.nEmbd], true),
      wGate: add(`${b}ffn_gate.weight`, [s.nEmbd, s.nFf]),
      wUp: add(`${b}ffn_up.weight`, [s.nEmbd, s.nFf]),
      wDown: add(`${b}ffn_down.weight`, [s.nFf, s.nEmbd]),
    });
  }
  const outputNorm = add("output_norm.weight", [s.nEmbd], true);
  const output = s.tiedEmbeddings ? tokenEmbd : add("output.weight", [s.nEmbd, s.nVocab]);
  return { tensors, tokenEmbd, layers, outputNorm, output, nParams: offset };
}
