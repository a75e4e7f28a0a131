// Writes a Llama model with seeded random weights and real shapes: the test models of our
// conformance suite and the stand-in for a downloaded model until the embedded default exists.
// Tensor names, order and metadata follow what llama.cpp's converter writes.

import { GgmlType } from "../gguf/types.js";
import { md } from "../gguf/metadata.js";
import { writeGguf, type GgufWriteTensor } from "../gguf/writer.js";
import { writeGgufSplit, type GgufSplitOptions } from "../gguf/split-writer.js";
import type { GgufMetadataEntry } from "../gguf/types.js";
import { llama3RopeFreqFactors } from "../model/rope.js";
import { quantizeTensor } from "../tensors/index.js";
import { typeTraits } from "../tensors/type-traits.js";
import { PRESETS, type PresetName, type SynthShape } from "./presets.js";
import { buildVocabMetadata } from "./vocab.js";
import { SeededRandom } from "./seeded-random.js";

export type VocabKind = "llama3" | "spm" | "bytes";

/** Single tensor types plus llama.cpp's common mixes. */
export const SYNTH_TYPES = [
  "F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
  "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q4_K_M", "Q5_K_M",
] as const;
export type SynthType = (typeof SYNTH_TYPES)[number];

export interface SynthOptions {
  preset?: PresetName;
  /** Overrides of the preset's shape. */
  shape?: Partial<SynthShape>;
  type?: SynthType;
  vocab?: VocabKind;
  /** All `tokenizer.*` entries of another vocabulary (a trained one, say), used instead of `vocab`. */
  vocabMetadata?: { metadata: [string, GgufMetadataEntry][]; nVocab: number };
  seed?: number;
  /** Multiplies output_norm.weight: larger values give peaked next-token distributions. */
  outputGain?: number;
  name?: string;
  onProgress?: (done: number, total: number) => void;
  /** Write gguf-split shards `<path without .gguf>-0000i-of-0000N.gguf` instead of one file. */
  split?: GgufSplitOptions;
}

// llama.h LLAMA_FTYPE values written as general.file_type.
const FILE_TYPE: Record<SynthType, number> = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q8_0: 7, Q5_0: 8, Q5_1: 9, Q2_K: 10, Q3_K: 12,
  Q4_K: 14, Q5_K: 16, Q6_K: 18, BF16: 32, Q4_K_M: 15, Q5_K_M: 17,
};

/** The type of one 2-D weight under a (possibly mixed) file type, as llama.cpp's quantizer picks. */
export function tensorTypeFor(fileType: SynthType, name: string, layer: number, nLayer: number, cols: number): GgmlType {
  let type: GgmlType;
  if (fileType === "Q4_K_M" || fileType === "Q5_K_M") {
    const base = fileType === "Q4_K_M" ? GgmlType.Q4_K : GgmlType.Q5_K;
    // llama.cpp's use_more_bits: the first and last eighth of layers, and every third in between.
    const moreBits = layer < nLayer / 8 || layer >= (7 * nLayer) / 8 || (layer - Math.floor(nLayer / 8)) % 3 === 2;
    if (name === "output.weight") type = GgmlType.Q6_K;
    else if ((name.endsWith("attn_v.weight") || name.endsWith("ffn_down.weight")) && moreBits) type = GgmlType.Q6_K;
    else type = base;
  } else {
    type = GgmlType[fileType];
  }
  // K-quants need rows that are whole 256-element super-blocks; llama.cpp falls back likewise.
  if (cols % typeTraits(type).blockSize !== 0) {
    type = cols % 32 === 0 ? (type === GgmlType.Q6_K ? GgmlType.Q8_0 : GgmlType.Q5_0) : GgmlType.F16;
  }
  return type;
}

export function synthShape(opts: SynthOptions): SynthShape {
  const shape: SynthShape = { ...PRESETS[opts.preset ?? "tiny"], ...opts.shape };
  for (const [k, v] of Object.entries(shape)) {
    if (typeof v === "number" && (!Number.isInteger(v) || v <= 0)) throw new RangeError(`Shape field "${k}" must be a positive integer, got ${v}`);
  }
  if (shape.nEmbd % shape.nHead !== 0) throw new RangeError(`nEmbd ${shape.nEmbd} is not a multiple of nHead ${shape.nHead}`);
  if (shape.nHead % shape.nHeadKv !== 0) throw new RangeError(`nHead ${shape.nHead} is not a multiple of nHeadKv ${shape.nHeadKv}`);
  if ((shape.nEmbd / shape.nHead) % 2 !== 0) throw new RangeError(`Head size ${shape.nEmbd / shape.nHead} must be even`);
  return shape;
}

/** Writes the model to `path` and returns a summary. */
export async function synthesizeModel(path: string, opts: SynthOptions = {}): Promise<{ nParams: number; shape: SynthShape; nVocab: number; paths: string[] }> {
  const shape = synthShape(opts);
  const fileType = opts.type ?? "Q8_0";
  if (!SYNTH_TYPES.includes(fileType)) throw new RangeError(`Unknown type "${fileType}"; expected one of ${SYNTH_TYPES.join(", ")}`);
  const vocab = opts.vocabMetadata ?? buildVocabMetadata(opts.vocab ?? "llama3");
  const nVocab = vocab.nVocab;
  const { nEmbd, nLayer, nHead, nHeadKv, nFf } = shape;
  const headDim = nEmbd / nHead;
  const seed = opts.seed ?? 1;
  const gain = opts.outputGain ?? 1;

  const metadata: [string, GgufMetadataEntry][] = [
    ["general.architecture", md.string("llama")],
    ["general.name", md.string(opts.name ?? `llama.ts synthetic ${opts.preset ?? "tiny"} ${fileType}`)],
    ["general.file_type", md.uint32(FILE_TYPE[fileType])],
    ["llama.vocab_size", md.uint32(nVocab)],
    ["llama.context_length", md.uint32(shape.nCtxTrain)],
    ["llama.embedding_length", md.uint32(nEmbd)],
    ["llama.block_count", md.uint32(nLayer)],
    ["llama.feed_forward_length", md.uint32(nFf)],
    ["llama.rope.dimension_count", md.uint32(headDim)],
    ["llama.attention.head_count", md.uint32(nHead)],
    ["llama.attention.head_count_kv", md.uint32(nHeadKv)],
    ["llama.attention.layer_norm_rms_epsilon", md.float32(1e-5)],
    ["llama.rope.freq_base", md.float32(shape.ropeFreqBase)],
  ];
  if (fileType !== "F32" && fileType !== "F16" && fileType !== "BF16") metadata.push(["general.quantization_version", md.uint32(2)]);
  metadata.push(...vocab.metadata);

  // Every tensor gets its own seed, so one tensor's values do not depend on which others exist.
  let tensorIndex = 0;
  const tensors: GgufWriteTensor[] = [];
  const matrix = (name: string, cols: number, rows: number, layer: number, std: number) => {
    const type = tensorTypeFor(fileType, name, layer, nLayer, cols);
    const rng = new SeededRandom(seed * 1000003 + tensorIndex++);
    tensors.push({
      name, type, dims: [cols, rows],
      data: () => quantizeTensor(type, rng.normalArray(cols * rows, std)),
    });
  };
  const norm = (name: string, n: number, scale = 1) => {
    const rng = new SeededRandom(seed * 1000003 + tensorIndex);
    tensorIndex++;
    tensors.push({ name, type: GgmlType.F32, dims: [n], data: () => new Uint8Array(rng.normArray(n, scale).buffer) });
  };

  // Weight scales keep activations O(1) through the residual stream, like a trained model's.
  const wStd = 1 / Math.sqrt(nEmbd);
  matrix("token_embd.weight", nEmbd, nVocab, 0, wStd);
  if (shape.ropeScaling) {
    tensors.push({ name: "rope_freqs.weight", type: GgmlType.F32, dims: [headDim / 2], data: () => new Uint8Array(llama3RopeFreqFactors(headDim, shape.ropeFreqBase).buffer) });
  }
  for (let l = 0; l < nLayer; l++) {
    const b = `blk.${l}.`;
    norm(`${b}attn_norm.weight`, nEmbd);
    matrix(`${b}attn_q.weight`, nEmbd, nHead * headDim, l, wStd);
    matrix(`${b}attn_k.weight`, nEmbd, nHeadKv * headDim, l, wStd);
    matrix(`${b}attn_v.weight`, nEmbd, nHeadKv * headDim, l, wStd);
    matrix(`${b}attn_output.weight`, nHead * headDim, nEmbd, l, wStd / 2);
    norm(`${b}ffn_norm.weight`, nEmbd);
    matrix(`${b}ffn_gate.weight`, nEmbd, nFf, l, wStd);
    matrix(`${b}ffn_up.weight`, nEmbd, nFf, l, wStd);
    matrix(`${b}ffn_down.weight`, nFf, nEmbd, l, 1 / Math.sqrt(nFf) / 2);
  }
  norm("output_norm.weight", nEmbd, gain);
  if (!shape.tiedEmbeddings) matrix("output.weight", nEmbd, nVocab, nLayer, wStd);

  let done = 0;
  const total = tensors.length;
  const tracked = tensors.map((t) => ({
    ...t,
    data: async () => {
      const d = typeof t.data === "function" ? await t.data() : t.data;
      opts.onProgress?.(++done, total);
      return d;
    },
  }));
  const paths = opts.split ? await writeGgufSplit(path, { metadata, tensors: tracked }, opts.split) : [path];
  if (!opts.split) await writeGguf(path, { metadata, tensors: tracked });

  const nParams = tensors.reduce((s, t) => s + t.dims.reduce((a, b) => a * b, 1), 0);
  return { nParams, shape, nVocab, paths };
}
