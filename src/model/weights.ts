// Loads the Llama tensors from a GGUF file, each read straight into its own buffer (no second
// copy), checks every shape against the config, and names fields after the GGUF tensors
// (attnQ ↔ blk.{i}.attn_q.weight) so no mapping table is needed.
// Reference: llama.cpp src/llama-model.cpp, LLM_ARCH_LLAMA tensor creation.

import { ModelFormatError } from "../errors.js";
import type { GgufFile } from "../gguf/gguf-file.js";
import { GgmlType, ggmlTypeName, type GgufTensorInfo } from "../gguf/types.js";
import type { Kernels, WeightMatrix } from "../kernels/kernels.js";
import { rowByteSize, typeTraits } from "../tensors/type-traits.js";
import type { ModelConfig } from "./config.js";

export interface LayerWeights {
  attnNorm: Float32Array; //    (nEmbd)
  attnQ: WeightMatrix; //        (nHead·headDim, nEmbd)
  attnK: WeightMatrix; //        (nHeadKv·headDim, nEmbd)
  attnV: WeightMatrix; //        (nHeadKv·headDim, nEmbd)
  attnOutput: WeightMatrix; //   (nEmbd, nHead·headDim)
  ffnNorm: Float32Array; //     (nEmbd)
  ffnGate: WeightMatrix; //      (nFf, nEmbd)
  ffnUp: WeightMatrix; //        (nFf, nEmbd)
  ffnDown: WeightMatrix; //      (nEmbd, nFf)
  /** Optional biases some llama-architecture files carry (added right after their matmul). */
  bq?: Float32Array | undefined;
  bk?: Float32Array | undefined;
  bv?: Float32Array | undefined;
  bo?: Float32Array | undefined;
}

export interface LlamaWeights {
  tokenEmbd: WeightMatrix; //   (nVocab, nEmbd)
  outputNorm: Float32Array; //  (nEmbd)
  /** output.weight, or token_embd.weight when the file ties them (Llama 3.2 1B/3B). */
  output: WeightMatrix; //      (nVocab, nEmbd)
  tiedEmbeddings: boolean;
  /** rope_freqs.weight: Llama 3.1 per-pair frequency divisors, (headDim/2). */
  ropeFreqs: Float32Array | undefined;
  layers: LayerWeights[];
}

export interface LoadProgress {
  loadedBytes: number;
  totalBytes: number;
}

export async function loadWeights(
  file: GgufFile,
  cfg: ModelConfig,
  kernels: Kernels,
  onProgress?: (p: LoadProgress) => void,
): Promise<LlamaWeights> {
  const hd = cfg.headDim;
  const plan: { name: string; dims: number[]; optional?: boolean }[] = [
    { name: "token_embd.weight", dims: [cfg.nEmbd, cfg.nVocab] },
    { name: "output_norm.weight", dims: [cfg.nEmbd] },
    { name: "output.weight", dims: [cfg.nEmbd, cfg.nVocab], optional: true },
    { name: "rope_freqs.weight", dims: [cfg.nRot / 2], optional: true },
  ];
  for (let i = 0; i < cfg.nLayer; i++) {
    const b = `blk.${i}.`;
    plan.push(
      { name: `${b}attn_norm.weight`, dims: [cfg.nEmbd] },
      { name: `${b}attn_q.weight`, dims: [cfg.nEmbd, cfg.nHead * hd] },
      { name: `${b}attn_k.weight`, dims: [cfg.nEmbd, cfg.nHeadKv * hd] },
      { name: `${b}attn_v.weight`, dims: [cfg.nEmbd, cfg.nHeadKv * hd] },
      { name: `${b}attn_output.weight`, dims: [cfg.nHead * hd, cfg.nEmbd] },
      { name: `${b}ffn_norm.weight`, dims: [cfg.nEmbd] },
      { name: `${b}ffn_gate.weight`, dims: [cfg.nEmbd, cfg.nFf] },
      { name: `${b}ffn_up.weight`, dims: [cfg.nEmbd, cfg.nFf] },
      { name: `${b}ffn_down.weight`, dims: [cfg.nFf, cfg.nEmbd] },
      { name: `${b}attn_q.bias`, dims: [cfg.nHead * hd], optional: true },
      { name: `${b}attn_k.bias`, dims: [cfg.nHeadKv * hd], optional: true },
      { name: `${b}attn_v.bias`, dims: [cfg.nHeadKv * hd], optional: true },
      { name: `${b}attn_output.bias`, dims: [cfg.nEmbd], optional: true },
    );
  }

  // Check names, shapes and types of everything before reading any bytes, so a bad file fails fast.
  const infos = new Map<string, GgufTensorInfo>();
  for (const p of plan) {
    const info = file.tensor(p.name);
    if (!info) {
      if (p.optional) continue;
      throw new ModelFormatError(`Missing tensor "${p.name}"`);
    }
    const dims = [...info.dims];
    while (dims.length > p.dims.length && dims[dims.length - 1] === 1) dims.pop();
    if (dims.length !== p.dims.length || dims.some((d, k) => d !== p.dims[k])) {
      throw new ModelFormatError(`Tensor "${p.name}" has shape [${info.dims.join(", ")}], expected [${p.dims.join(", ")}]`);
    }
    typeTraits(info.type, info.name);
    infos.set(p.name, info);
  }
  for (const blk of file.header.tensors) {
    if (/^blk\.\d+\.ffn_gate_inp/.test(blk.name)) throw new ModelFormatError(`Mixture-of-experts tensor "${blk.name}" is not supported`);
  }

  const totalBytes = [...infos.values()].reduce((s, i) => s + i.nBytes, 0);
  let loadedBytes = 0;
  const read = async (name: string, into?: (nBytes: number) => Uint8Array): Promise<GgufTensorInfo & { bytes: Uint8Array }> => {
    const info = infos.get(name)!;
    let bytes: Uint8Array;
    if (into) await file.readTensorInto(info, (bytes = into(info.nBytes)));
    else bytes = await file.readTensor(info);
    loadedBytes += info.nBytes;
    onProgress?.({ loadedBytes, totalBytes });
    return { ...info, bytes };
  };
  // Matrices go straight from the file into the backend's memory when it offers room (no JS copy).
  const allocate = kernels.allocateWeight?.bind(kernels);
  const matrix = async (name: string): Promise<WeightMatrix> => {
    const t = await read(name, allocate && ((n) => allocate(n, name)));
    const [cols, rows] = t.dims as [number, number];
    return kernels.prepareWeight({ name, type: t.type, rows, cols, rowBytes: rowByteSize(t.type, cols), data: t.bytes });
  };
  const vector = async (name: string): Promise<Float32Array> => {
    const t = await read(name);
    const out = new Float32Array(t.nElements);
    typeTraits(t.type, name).dequantizeRow(t.bytes, 0, out, 0, t.nElements);
    return out;
  };
  const optionalVector = (name: string) => (infos.has(name) ? vector(name) : Promise.resolve(undefined));

  const tokenEmbd = await matrix("token_embd.weight");
  const outputNorm = await vector("output_norm.weight");
  const tiedEmbeddings = !infos.has("output.weight");
  const output = tiedEmbeddings ? tokenEmbd : await matrix("output.weight");
  const ropeFreqs = await optionalVector("rope_freqs.weight");
  const layers: LayerWeights[] = [];
  for (let i = 0; i < cfg.nLayer; i++) {
    const b = `blk.${i}.`;
    layers.push({
      attnNorm: await vector(`${b}attn_norm.weight`),
      attnQ: await matrix(`${b}attn_q.weight`),
      attnK: await matrix(`${b}attn_k.weight`),
      attnV: await matrix(`${b}attn_v.weight`),
      attnOutput: await matrix(`${b}attn_output.weight`),
      ffnNorm: await vector(`${b}ffn_norm.weight`),
      ffnGate: await matrix(`${b}ffn_gate.weight`),
      ffnUp: await matrix(`${b}ffn_up.weight`),
      ffnDown: await matrix(`${b}ffn_down.weight`),
      bq: await optionalVector(`${b}attn_q.bias`),
      bk: await optionalVector(`${b}attn_k.bias`),
      bv: await optionalVector(`${b}attn_v.bias`),
      bo: await optionalVector(`${b}attn_output.bias`),
    });
  }
  return { tokenEmbd, outputNorm, output, tiedEmbeddings, ropeFreqs, layers };
}

/** Summary of tensor types in a weight set, e.g. "Q4_K×97, Q6_K×17, F32×33". */
export function describeTypes(tensors: GgufTensorInfo[]): string {
  const counts = new Map<GgmlType, number>();
  for (const t of tensors) counts.set(t.type, (counts.get(t.type) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${ggmlTypeName(t)}×${n}`).join(", ");
}
