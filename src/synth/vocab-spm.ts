// SentencePiece vocabularies for synthesized models (tokenizer.ggml.model "llama"):
// - "spm": 32000 entries shaped like Llama 2's (<unk> <s> </s>, 256 <0xXX> byte tokens, then
//   "▁"-prefixed pieces with descending scores, single characters last). The pieces are derived
//   deterministically from the Llama 3 merges in rank order, decoded to text with " " → "▁".
// - "bytes": <unk> <s> </s>, the byte tokens and "▁", so everything but spaces byte-falls-back
//   (tiny models). "▁" is there because llama.cpp renders BYTE tokens verbatim: spaces spelled as
//   <0xE2><0x96><0x81> would decode to "▁", not " ".

import { md } from "../gguf/metadata.js";
import type { GgufMetadataEntry } from "../gguf/types.js";
import { charToByte } from "../tokenizer/byte-level.js";
import { llama3TokenizerJson } from "./vocab-llama3.js";

export const SPM_N_VOCAB = 32000;
const TYPE_NORMAL = 1;
const TYPE_UNKNOWN = 2;
const TYPE_CONTROL = 3;
const TYPE_BYTE = 6;

/** meta-llama/Llama-2-7b-chat-hf tokenizer_config.json "chat_template". */
export const LLAMA2_CHAT_TEMPLATE =
  "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}" +
  "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}" +
  "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}" +
  "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

/** <unk> <s> </s> and <0x00>..<0xFF>, the first 259 entries of a Llama 2 vocabulary. */
function baseEntries(): { tokens: string[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [TYPE_UNKNOWN, TYPE_CONTROL, TYPE_CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TYPE_BYTE);
  }
  return { tokens, types };
}

function metadata(tokens: string[], types: number[], scores: number[]): [string, GgufMetadataEntry][] {
  return [
    ["tokenizer.ggml.model", md.string("llama")],
    ["tokenizer.ggml.tokens", md.stringArray(tokens)],
    ["tokenizer.ggml.scores", md.float32Array(scores)],
    ["tokenizer.ggml.token_type", md.int32Array(types)],
    ["tokenizer.ggml.bos_token_id", md.uint32(1)],
    ["tokenizer.ggml.eos_token_id", md.uint32(2)],
    ["tokenizer.ggml.unknown_token_id", md.uint32(0)],
    ["tokenizer.ggml.add_bos_token", md.bool(true)],
    ["tokenizer.ggml.add_eos_token", md.bool(false)],
    ["tokenizer.chat_template", md.string(LLAMA2_CHAT_TEMPLATE)],
  ];
}

export function buildBytesVocabMetadata(): { metadata: [string, GgufMetadataEntry][]; nVocab: number } {
  const { tokens, types } = baseEntries();
  tokens.push("▁");
  types.push(TYPE_NORMAL);
  return { metadata: metadata(tokens, types, new Array<number>(tokens.length).fill(0)), nVocab: tokens.length };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** GPT-2 byte-level text → real text, or undefined when the bytes are not complete UTF-8. */
function byteLevelToText(s: string): string | undefined {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = charToByte(s.charCodeAt(i));
    if (b < 0) return undefined;
    bytes[i] = b;
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

let builtSpm: { metadata: [string, GgufMetadataEntry][]; nVocab: number } | undefined;

export function buildSpmVocabMetadata(): { metadata: [string, GgufMetadataEntry][]; nVocab: number } {
  if (builtSpm) return builtSpm;
  const { tokens, types } = baseEntries();
  const taken = new Set(tokens);
  const pieces: string[] = [];
  const pieceSet = new Set<string>();
  // Characters used by pieces but not (yet) pieces themselves; appended at the end like Llama 2's
  // single-character entries, so no character of a piece needs byte fallback on its own.
  const chars = new Set<string>();
  const room = SPM_N_VOCAB - tokens.length;
  const known = (s: string): boolean => pieceSet.has(s) || [...s].length === 1;

  for (const merge of llama3TokenizerJson().model.merges) {
    if (pieces.length + chars.size >= room) break;
    const [l, r] = typeof merge === "string" ? [merge.slice(0, merge.indexOf(" ", 1)), merge.slice(merge.indexOf(" ", 1) + 1)] : merge;
    const left = byteLevelToText(l)?.replaceAll(" ", "▁");
    const right = byteLevelToText(r)?.replaceAll(" ", "▁");
    if (left === undefined || right === undefined) continue;
    const piece = left + right;
    // SentencePiece shape: an optional run of "▁" then no more "▁"; no control characters.
    if (!/^▁*[^▁]*$/u.test(piece) || /[\p{Cc}\p{Cs}]/u.test(piece) || taken.has(piece) || pieceSet.has(piece)) continue;
    // Reachable by SPM merges: both halves must already be pieces (or single characters).
    if (!known(left) || !known(right)) continue;
    // (A piece joins two non-empty texts, so it is never a single character itself.)
    const newChars = [...new Set(piece)].filter((c) => !chars.has(c));
    if (pieces.length + 1 + chars.size + newChars.length > room) continue;
    pieces.push(piece);
    pieceSet.add(piece);
    for (const c of newChars) chars.add(c);
  }
  const all = [...pieces, ...[...chars].sort()];
  if (all.length !== room) throw new Error(`SPM vocabulary has ${tokens.length + all.length} entries, expected ${SPM_N_VOCAB}`);
  const scores = new Array<number>(tokens.length).fill(0);
  for (let i = 0; i < all.length; i++) {
    tokens.push(all[i]!);
    types.push(TYPE_NORMAL);
    scores.push(-i); // Llama 2 style: earlier (more frequent) pieces merge first
  }
  builtSpm = { metadata: metadata(tokens, types, scores), nVocab: tokens.length };
  return builtSpm;
}
