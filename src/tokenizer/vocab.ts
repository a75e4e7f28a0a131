// Vocabulary as llama.cpp loads it from GGUF metadata: token texts and attributes, the per-model
// defaults (add_bos, add_space_prefix, ignore_merges, clean_spaces), special ids and the
// end-of-generation set with its text-based auto-detection.
// Reference: llama.cpp src/llama-vocab.cpp `llama_vocab::impl::load`.

import { UnsupportedError } from "../errors.js";
import {
  metaBool,
  metaFloat32Array,
  metaInt32Array,
  metaNumber,
  metaString,
  metaStringArray,
} from "../gguf/metadata.js";
import type { GgufMetadata } from "../gguf/types.js";

/** llama.h `llama_token_attr` bits (only those this engine reads). */
export const ATTR_UNDEFINED = 0;
export const ATTR_UNKNOWN = 1 << 0;
export const ATTR_UNUSED = 1 << 1;
export const ATTR_NORMAL = 1 << 2;
export const ATTR_CONTROL = 1 << 3;
export const ATTR_USER_DEFINED = 1 << 4;
export const ATTR_BYTE = 1 << 5;

/** GGUF `tokenizer.ggml.token_type` values → attribute bits (llama.h `llama_token_type`). */
const TYPE_TO_ATTR: Record<number, number> = {
  1: ATTR_NORMAL,
  2: ATTR_UNKNOWN,
  3: ATTR_CONTROL,
  4: ATTR_USER_DEFINED,
  5: ATTR_UNUSED,
  6: ATTR_BYTE,
};

/**
 * `tokenizer.ggml.pre` values that select llama.cpp's LLAMA3 pre-tokenizer (same split, ignore_merges,
 * add_bos). Every other BPE pre-tokenizer is refused rather than approximated: a wrong split silently
 * changes token ids, and no Llama model uses them.
 */
const LLAMA3_PRE = new Set(["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"]);

// Texts llama.cpp treats as end-of-generation whatever their id (load(), "maintain a list of tokens
// that cause end-of-generation"), and the first-choice texts for eot/eom when no id key is present.
const EOG_TEXTS = new Set([
  "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
  "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
  "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
]);
const EOT_TEXTS = [
  "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
  "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
];
const FIM_PAD_TEXTS = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];
const FIM_REP_TEXTS = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
const FIM_SEP_TEXTS = ["<|file_sep|>"];

export interface Vocab {
  kind: "bpe" | "spm";
  model: string;
  pre: string | undefined;
  /** Token texts by id; empty entries replaced by "[EMPTY_<id>]" as llama.cpp does. */
  texts: string[];
  attrs: Uint8Array;
  scores: Float32Array | undefined;
  /** text → id; for duplicate texts the last id wins (llama.cpp `token_to_id[word] = i`). */
  ids: Map<string, number>;
  merges: string[];
  bos: number | undefined;
  eos: number | undefined;
  eot: number | undefined;
  eom: number | undefined;
  unk: number | undefined;
  addBos: boolean;
  addEos: boolean;
  addSpacePrefix: boolean;
  ignoreMerges: boolean;
  cleanSpaces: boolean;
  eog: Set<number>;
}

/**
 * First text of `texts` (in priority order) present in the vocabulary. llama.cpp walks a hash map, so
 * which of several candidates it picks is unspecified; Llama 3 has both "<|eot_id|>" and
 * "<|end_of_text|>", and the list order makes eot the former.
 */
function findByText(v: Pick<Vocab, "ids">, texts: readonly string[]): number | undefined {
  for (const t of texts) {
    const id = v.ids.get(t);
    if (id !== undefined) return id;
  }
  return undefined;
}

export function loadVocab(m: GgufMetadata): Vocab {
  const model = metaString(m, "tokenizer.ggml.model");
  if (model === undefined) throw new UnsupportedError("Model has no tokenizer (missing \"tokenizer.ggml.model\")", "tokenizer");
  if (model !== "gpt2" && model !== "llama") {
    throw new UnsupportedError(`Tokenizer model "${model}" is not supported (only "gpt2" and "llama")`, `tokenizer ${model}`);
  }
  const kind = model === "gpt2" ? "bpe" : "spm";
  const pre = metaString(m, "tokenizer.ggml.pre");

  // Per-model defaults, before the GGUF keys override them.
  let bos: number | undefined, eos: number | undefined, unk: number | undefined;
  let addBos: boolean, addSpacePrefix: boolean, ignoreMerges = false, cleanSpaces: boolean;
  if (kind === "spm") {
    [bos, eos, unk] = [1, 2, 0];
    [addBos, addSpacePrefix, cleanSpaces] = [true, true, false];
  } else {
    if (pre === undefined || !LLAMA3_PRE.has(pre)) {
      const name = pre ?? "default";
      throw new UnsupportedError(`BPE pre-tokenizer "${name}" is not supported (only "llama-bpe" and its aliases)`, `pre-tokenizer ${name}`);
    }
    // llama.cpp's BPE defaults bos = eos = 11 (a GPT-2 leftover); Llama 3 files always set both.
    [bos, eos, unk] = [11, 11, undefined];
    [addBos, addSpacePrefix, ignoreMerges, cleanSpaces] = [true, false, true, true];
  }
  let addEos = false;
  addSpacePrefix = metaBool(m, "tokenizer.ggml.add_space_prefix") ?? addSpacePrefix;

  const tokens = metaStringArray(m, "tokenizer.ggml.tokens");
  if (tokens === undefined) throw new UnsupportedError("Model has no vocabulary (missing \"tokenizer.ggml.tokens\")", "tokenizer");
  const n = tokens.length;
  const types = metaInt32Array(m, "tokenizer.ggml.token_type");
  const scores = metaFloat32Array(m, "tokenizer.ggml.scores");
  const texts = new Array<string>(n);
  const attrs = new Uint8Array(n);
  const ids = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const t = tokens[i]! === "" ? `[EMPTY_${i}]` : tokens[i]!;
    texts[i] = t;
    ids.set(t, i);
    attrs[i] = types ? (TYPE_TO_ATTR[types[i]!] ?? ATTR_UNDEFINED) : ATTR_NORMAL;
  }
  const merges = kind === "bpe" ? metaStringArray(m, "tokenizer.ggml.merges") : [];
  if (merges === undefined) throw new UnsupportedError("BPE tokenizer has no merges (missing \"tokenizer.ggml.merges\")", "tokenizer merges");

  // Special ids: defaults out of range are disabled; keys out of range are ignored (llama.cpp warns).
  const special = (key: string, def: number | undefined): number | undefined => {
    if (def !== undefined && def >= n) def = undefined;
    const v = metaNumber(m, `tokenizer.ggml.${key}`);
    return v !== undefined && v >= 0 && v < n ? v : def;
  };
  bos = special("bos_token_id", bos);
  eos = special("eos_token_id", eos);
  unk = special("unknown_token_id", unk);
  let eot = special("eot_token_id", undefined);
  let eom = special("eom_token_id", undefined);
  let fimPad = special("fim_pad_token_id", undefined);
  let fimRep = special("fim_rep_token_id", undefined);
  let fimSep = special("fim_sep_token_id", undefined);
  addBos = metaBool(m, "tokenizer.ggml.add_bos_token") ?? addBos;
  addEos = metaBool(m, "tokenizer.ggml.add_eos_token") ?? addEos;

  // Text-based detection; a detected token becomes CONTROL even if the file says otherwise.
  const v = { ids };
  const markControl = (id: number | undefined): void => {
    if (id !== undefined) attrs[id]! |= ATTR_CONTROL;
  };
  if (eot === undefined) markControl((eot = findByText(v, EOT_TEXTS)));
  if (eom === undefined) markControl((eom = findByText(v, ["<|eom_id|>"])));
  if (fimPad === undefined) markControl((fimPad = findByText(v, FIM_PAD_TEXTS)));
  if (fimRep === undefined) markControl((fimRep = findByText(v, FIM_REP_TEXTS)));
  if (fimSep === undefined) markControl((fimSep = findByText(v, FIM_SEP_TEXTS)));

  const eog = new Set<number>();
  for (const id of [fimPad, fimRep, fimSep]) if (id !== undefined) eog.add(id);
  for (const [text, id] of ids) {
    if (EOG_TEXTS.has(text)) {
      eog.add(id);
      markControl(id);
    }
  }
  // gpt-oss tokens that llama.cpp always renders as text.
  for (const t of ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"]) {
    const id = ids.get(t);
    if (id !== undefined) attrs[id] = ATTR_USER_DEFINED;
  }
  for (const id of [eos, eot, eom]) if (id !== undefined) eog.add(id);
  // llama.cpp's two workarounds: "<|end|>" is not EOG next to "<|return|>"+"<|call|>" (or "<|calls|>"+
  // "<|flush|>"), and "</s>" is not EOG next to "<|tool_response>".
  const eogText = (t: string): number | undefined => [...eog].find((id) => texts[id] === t);
  const end = eogText("<|end|>");
  const hasCall = eogText("<|call|>") !== undefined || eogText("<|calls|>") !== undefined;
  if (end !== undefined && hasCall && (eogText("<|return|>") !== undefined || eogText("<|flush|>") !== undefined)) {
    eog.delete(end);
    attrs[end] = ATTR_USER_DEFINED;
  }
  const s = eogText("</s>");
  if (s !== undefined && eogText("<|tool_response>") !== undefined) {
    eog.delete(s);
    attrs[s] = ATTR_NORMAL;
  }

  return {
    kind, model, pre, texts, attrs, scores, ids, merges, bos, eos, eot, eom, unk,
    addBos, addEos, addSpacePrefix, ignoreMerges, cleanSpaces, eog,
  };
}
