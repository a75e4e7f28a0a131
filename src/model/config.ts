// Model hyper-parameters read from GGUF metadata, with the GGUF key beside each field; the one
// glossary of dimension names used everywhere (nEmbd, nHead, nHeadKv, headDim, …).
// Reference: llama.cpp src/llama-model.cpp (load_hparams) and src/llama-arch.cpp (key names).

import { ModelFormatError, UnsupportedError } from "../errors.js";
import { metaNumber, metaString, metaStringArray, requireMetaNumber } from "../gguf/metadata.js";
import type { GgufMetadata } from "../gguf/types.js";

export interface ModelConfig {
  arch: string; //                general.architecture
  name: string | undefined; //    general.name
  nVocab: number; //              length of tokenizer.ggml.tokens (llama.vocab_size is optional)
  nCtxTrain: number; //           llama.context_length
  nEmbd: number; //               llama.embedding_length
  nLayer: number; //              llama.block_count
  nFf: number; //                 llama.feed_forward_length
  nHead: number; //               llama.attention.head_count
  nHeadKv: number; //             llama.attention.head_count_kv (default nHead: no GQA)
  headDim: number; //             llama.attention.key_length (default nEmbd / nHead)
  nRot: number; //                llama.rope.dimension_count (default headDim)
  normEps: number; //             llama.attention.layer_norm_rms_epsilon
  ropeFreqBase: number; //        llama.rope.freq_base (default 10000)
  ropeFreqScale: number; //       1 / llama.rope.scaling.factor for linear scaling, else 1
  kqScale: number; //             llama.attention.scale, else 1/sqrt(headDim)
}

/** Architectures whose forward pass is llama's: same tensors, same graph. */
const LLAMA_LIKE = new Set(["llama"]);

export function configFromMetadata(md: GgufMetadata): ModelConfig {
  const arch = metaString(md, "general.architecture");
  if (arch === undefined) throw new ModelFormatError(`Missing metadata key "general.architecture"`);
  if (!LLAMA_LIKE.has(arch)) {
    throw new UnsupportedError(`Unsupported architecture "${arch}": this engine runs "llama" models`, arch);
  }
  const key = (k: string) => `${arch}.${k}`;
  const positive = (k: string, v: number): number => {
    if (!Number.isInteger(v) || v <= 0) throw new ModelFormatError(`Metadata key "${k}" must be a positive integer, got ${v}`);
    return v;
  };
  const required = (k: string) => positive(key(k), requireMetaNumber(md, key(k)));
  const optional = (k: string, fallback: number) => {
    const v = metaNumber(md, key(k));
    return v === undefined ? fallback : positive(key(k), v);
  };

  const tokens = metaStringArray(md, "tokenizer.ggml.tokens");
  const nVocab = tokens?.length ?? metaNumber(md, key("vocab_size"));
  if (nVocab === undefined) throw new ModelFormatError(`Missing metadata key "tokenizer.ggml.tokens"`);

  const nEmbd = required("embedding_length");
  const nHead = required("attention.head_count");
  const nHeadKv = optional("attention.head_count_kv", nHead);
  const headDim = optional("attention.key_length", Math.floor(nEmbd / nHead));
  const valueDim = optional("attention.value_length", headDim);
  const nRot = optional("rope.dimension_count", headDim);
  if (nHead % nHeadKv !== 0) {
    throw new ModelFormatError(`Head count ${nHead} is not a multiple of the KV head count ${nHeadKv}`);
  }
  if (valueDim !== headDim) throw new UnsupportedError(`Value head size ${valueDim} differs from key head size ${headDim}`, "value_length");
  if (nRot !== headDim) throw new UnsupportedError(`Partial rotary embedding (${nRot} of ${headDim} dims) is not supported for llama`, "rope.dimension_count");
  if (headDim % 2 !== 0) throw new ModelFormatError(`Head size ${headDim} must be even for rotary embedding`);

  const normEps = metaNumber(md, key("attention.layer_norm_rms_epsilon"));
  if (normEps === undefined) throw new ModelFormatError(`Missing metadata key "${key("attention.layer_norm_rms_epsilon")}"`);

  let ropeFreqScale = 1;
  const scalingType = metaString(md, key("rope.scaling.type")) ?? "none";
  const scalingFactor = metaNumber(md, key("rope.scaling.factor")) ?? metaNumber(md, key("rope.scale_linear"));
  if (scalingType === "linear" || (scalingType === "none" && metaNumber(md, key("rope.scale_linear")) !== undefined)) {
    if (scalingFactor !== undefined && scalingFactor > 0) ropeFreqScale = 1 / scalingFactor;
  } else if (scalingType !== "none") {
    throw new UnsupportedError(`Unsupported rope scaling type "${scalingType}"`, `rope.scaling.type=${scalingType}`);
  }
  const attnScale = metaNumber(md, key("attention.scale"));

  return {
    arch,
    name: metaString(md, "general.name"),
    nVocab,
    nCtxTrain: required("context_length"),
    nEmbd,
    nLayer: required("block_count"),
    nFf: required("feed_forward_length"),
    nHead,
    nHeadKv,
    headDim,
    nRot,
    normEps,
    ropeFreqBase: metaNumber(md, key("rope.freq_base")) ?? 10000,
    ropeFreqScale,
    kqScale: attnScale !== undefined && attnScale !== 0 ? attnScale : Math.fround(1 / Math.sqrt(headDim)),
  };
}
