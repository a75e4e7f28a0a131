// Special-token partition: before any BPE/SentencePiece work, occurrences of special-token texts
// are cut out of the input and become token ids. Candidates are CONTROL, USER_DEFINED and UNKNOWN
// tokens, longest text first; each one splits every remaining raw fragment left to right. With
// parse_special off, CONTROL and UNKNOWN are skipped, so user text never turns into control tokens.
// LSTRIP/RSTRIP are not applied: llama.cpp sets them for Phi-3 and BERT-style vocabularies only.
// Reference: llama.cpp src/llama-vocab.cpp `tokenizer_st_partition`.

import { ATTR_CONTROL, ATTR_UNKNOWN, ATTR_USER_DEFINED, type Vocab } from "./vocab.js";

/** A raw-text fragment (string) or a matched special token (its id). */
export type Fragment = string | number;

interface Candidate {
  id: number;
  text: string;
  /** Matched even when parse_special is off. */
  always: boolean;
}

const utf8 = new TextEncoder();

export class SpecialTokenPartitioner {
  private readonly candidates: Candidate[];
  private readonly anyAlways: boolean;

  constructor(vocab: Vocab) {
    const list: (Candidate & { bytes: number })[] = [];
    for (let id = 0; id < vocab.texts.length; id++) {
      const attr = vocab.attrs[id]!;
      if (!(attr & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN))) continue;
      const text = vocab.texts[id]!;
      list.push({ id, text, always: !(attr & (ATTR_CONTROL | ATTR_UNKNOWN)), bytes: utf8.encode(text).length });
    }
    // llama.cpp sorts by UTF-8 length, longest first (ties in id order here; its sort is unstable).
    list.sort((a, b) => b.bytes - a.bytes || a.id - b.id);
    this.candidates = list.map(({ id, text, always }) => ({ id, text, always }));
    this.anyAlways = this.candidates.some((c) => c.always);
  }

  partition(text: string, parseSpecial: boolean): Fragment[] {
    if (text === "") return [];
    let frags: Fragment[] = [text];
    if (!parseSpecial && !this.anyAlways) return frags;
    for (const c of this.candidates) {
      if (!parseSpecial && !c.always) continue;
      let split: Fragment[] | undefined;
      for (let f = 0; f < frags.length; f++) {
        const frag = frags[f]!;
        let at = typeof frag === "string" ? frag.indexOf(c.text) : -1;
        if (typeof frag !== "string" || at < 0) {
          split?.push(frag);
          continue;
        }
        split ??= frags.slice(0, f);
        let from = 0;
        while (at >= 0) {
          if (at > from) split.push(frag.slice(from, at));
          split.push(c.id);
          from = at + c.text.length;
          at = frag.indexOf(c.text, from);
        }
        if (from < frag.length) split.push(frag.slice(from));
      }
      if (split) frags = split;
    }
    return frags;
  }
}
