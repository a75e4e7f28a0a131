// Writes a trained model as a GGUF file the engine and llama.cpp load: the tensor names, order and
// metadata keys of llama.cpp's converter, the tokenizer's `tokenizer.*` keys (with its chat
// template), weights in F32, F16 or Q8_0 (llama.cpp's reference rounding) and norms in F32.

import { md } from "../gguf/metadata.js";
import { GgmlType, type GgufMetadataEntry } from "../gguf/types.js";
import { writeGguf, type GgufWriteTensor } from "../gguf/writer.js";
import { quantizeTensor } from "../tensors/index.js";
import type { Vec } from "./compute.js";
import type { ParamLayout, TrainShape } from "./model-shape.js";

export const EXPORT_TYPES = ["F32", "F16", "Q8_0"] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];

// llama.h LLAMA_FTYPE values.
const FILE_TYPE: Record<ExportType, number> = { F32: 0, F16: 1, Q8_0: 7 };

export interface ExportOptions {
  shape: TrainShape;
  layout: ParamLayout;
  params: Vec;
  type: ExportType;
  /** `tokenizer.*` entries; their token count must equal shape.nVocab. */
  vocabMetadata: readonly (readonly [string, GgufMetadataEntry])[];
  name: string;
  /** More `general.*` entries (description, license, …). */
  extraMetadata?: readonly (readonly [string, GgufMetadataEntry])[];
}

export async function exportGguf(path: string, o: ExportOptions): Promise<{ bytes: number }> {
  if (!EXPORT_TYPES.includes(o.type)) throw new RangeError(`Unknown export type "${o.type}"; expected one of ${EXPORT_TYPES.join(", ")}`);
  const tokens = o.vocabMetadata.find(([k]) => k === "tokenizer.ggml.tokens")?.[1];
  const nTokens = tokens && Array.isArray((tokens as { value?: unknown }).value) ? ((tokens as { value: unknown[] }).value).length : undefined;
  if (nTokens !== o.shape.nVocab) throw new RangeError(`The tokenizer has ${nTokens ?? "no"} tokens but the model's vocabulary is ${o.shape.nVocab}`);
  const s = o.shape;
  const headDim = s.nEmbd / s.nHead;
  const metadata: [string, GgufMetadataEntry][] = [
    ["general.architecture", md.string("llama")],
    ["general.name", md.string(o.name)],
    ["general.file_type", md.uint32(FILE_TYPE[o.type])],
    ...(o.extraMetadata ?? []).map(([k, v]) => [k, v] as [string, GgufMetadataEntry]),
    ["llama.vocab_size", md.uint32(s.nVocab)],
    ["llama.context_length", md.uint32(s.nCtx)],
    ["llama.embedding_length", md.uint32(s.nEmbd)],
    ["llama.block_count", md.uint32(s.nLayer)],
    ["llama.feed_forward_length", md.uint32(s.nFf)],
    ["llama.rope.dimension_count", md.uint32(headDim)],
    ["llama.attention.head_count", md.uint32(s.nHead)],
    ["llama.attention.head_count_kv", md.uint32(s.nHeadKv)],
    ["llama.attention.layer_norm_rms_epsilon", md.float32(s.normEps)],
    ["llama.rope.freq_base", md.float32(s.ropeFreqBase)],
  ];
  if (o.type === "Q8_0") metadata.push(["general.quantization_version", md.uint32(2)]);
  metadata.push(...o.vocabMetadata.map(([k, v]) => [k, v] as [string, GgufMetadataEntry]));

  const tensors: GgufWriteTensor[] = o.layout.tensors.map((t) => {
    const values = () => Float32Array.from(o.params.subarray(t.offset, t.offset + t.size));
    let type = t.dims.length === 1 ? GgmlType.F32 : GgmlType[o.type];
    // Q8_0 rows are whole 32-value blocks; llama.cpp's quantizer keeps other rows in F16 likewise.
    if (type === GgmlType.Q8_0 && t.dims[0]! % 32 !== 0) type = GgmlType.F16;
    return {
      name: t.name,
      type,
      dims: t.dims,
      data: () => (type === GgmlType.F32 ? new Uint8Array(values().buffer) : quantizeTensor(type, values())),
    };
  });
  await writeGguf(path, { metadata, tensors });
  const { stat } = await import("node:fs/promises");
  return { bytes: (await stat(path)).size };
}
