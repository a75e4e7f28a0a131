// Vocabulary metadata (all `tokenizer.*` keys) for synthesized models: the real Llama 3.1
// tokenizer, a Llama 2-shaped SentencePiece vocabulary, or a bytes-only one for tiny models.

import type { GgufMetadataEntry } from "../gguf/types.js";
import { buildLlama3VocabMetadata } from "./vocab-llama3.js";
import { buildBytesVocabMetadata, buildSpmVocabMetadata } from "./vocab-spm.js";

export function buildVocabMetadata(kind: "llama3" | "spm" | "bytes"): { metadata: [string, GgufMetadataEntry][]; nVocab: number } {
  switch (kind) {
    case "llama3":
      return buildLlama3VocabMetadata();
    case "spm":
      return buildSpmVocabMetadata();
    case "bytes":
      return buildBytesVocabMetadata();
    default:
      throw new Error(`Unknown vocabulary kind "${String(kind)}"`);
  }
}
