// Matches plain text against a GBNF grammar byte by byte, without a vocabulary: for tests, for
// checking a finished output, and for tools that validate text offline.

import { DEAD, GrammarDfa } from "./dfa.js";
import { parseGbnf } from "./gbnf.js";
import { Program } from "./program.js";

const utf8 = new TextEncoder();

export interface TextMatcher {
  /** Bytes of `text` (UTF-8) that can still be extended to a match; equals the byte length if every prefix can. */
  viablePrefix(text: string): number;
  /** Whether `text` as a whole is a complete match. */
  matches(text: string): boolean;
}

export function createTextMatcher(gbnf: string): TextMatcher {
  const program = new Program(parseGbnf(gbnf));
  const dfa = new GrammarDfa(program, (pos) => program.seqCost[pos]!);
  const run = (text: string): { state: number; at: number } => {
    const bytes = utf8.encode(text);
    let s = dfa.initial;
    for (let i = 0; i < bytes.length; i++) {
      const next = dfa.step(s, bytes[i]!);
      if (next === DEAD) return { state: DEAD, at: i };
      s = next;
    }
    return { state: s, at: bytes.length };
  };
  return {
    viablePrefix: (text) => run(text).at,
    matches: (text) => {
      const r = run(text);
      return r.state !== DEAD && dfa.isComplete(r.state);
    },
  };
}
