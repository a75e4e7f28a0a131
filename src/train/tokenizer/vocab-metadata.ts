// A trained vocabulary as GGUF `tokenizer.*` metadata, keyed and typed exactly as the real Llama 3.1
// vocabulary is (src/synth/vocab-llama3.ts), so llama.cpp and this engine load it as Llama 3.1
// Instruct: byte-level BPE with the llama-bpe split, <|begin_of_text|> added, <|eot_id|> as eos.

import { md } from "../../gguf/metadata.js";
import type { GgufMetadataEntry } from "../../gguf/types.js";
import { LLAMA31_CHAT_TEMPLATE } from "../../synth/llama31-chat-template.js";
import { Tokenizer } from "../../tokenizer/tokenizer.js";
import { SPECIAL_BEGIN_OF_TEXT, SPECIAL_EOM, SPECIAL_EOT, specialId, validateTrainedVocab, type TrainedVocab } from "./trained-vocab.js";

const TOKEN_TYPE_NORMAL = 1;
const TOKEN_TYPE_CONTROL = 3;

export function trainedVocabMetadata(v: TrainedVocab, opts: { chatTemplate?: string } = {}): [string, GgufMetadataEntry][] {
  validateTrainedVocab(v);
  const n = v.tokens.length;
  const types = new Int32Array(n).fill(TOKEN_TYPE_NORMAL);
  types.fill(TOKEN_TYPE_CONTROL, n - v.nSpecial);
  const eot = specialId(v, SPECIAL_EOT);
  return [
    ["tokenizer.ggml.model", md.string("gpt2")],
    ["tokenizer.ggml.pre", md.string("llama-bpe")],
    ["tokenizer.ggml.tokens", md.stringArray(v.tokens)],
    ["tokenizer.ggml.token_type", md.int32Array(types)],
    ["tokenizer.ggml.merges", md.stringArray(v.merges)],
    ["tokenizer.ggml.bos_token_id", md.uint32(specialId(v, SPECIAL_BEGIN_OF_TEXT))],
    ["tokenizer.ggml.eos_token_id", md.uint32(eot)],
    ["tokenizer.ggml.eot_token_id", md.uint32(eot)],
    ["tokenizer.ggml.eom_token_id", md.uint32(specialId(v, SPECIAL_EOM))],
    ["tokenizer.ggml.add_bos_token", md.bool(true)],
    ["tokenizer.chat_template", md.string(opts.chatTemplate ?? LLAMA31_CHAT_TEMPLATE)],
  ];
}

/** The engine's tokenizer over a trained vocabulary, configured as a GGUF holding it would be. */
export function tokenizerFromVocab(v: TrainedVocab): Tokenizer {
  return Tokenizer.fromMetadata(new Map(trainedVocabMetadata(v)));
}
