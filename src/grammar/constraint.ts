// The seam between token-level output constraints (GBNF grammars, JSON schemas, tool calls) and
// the generation loop: before sampling, `mask` sets the logits of tokens the constraint forbids to
// -Infinity; after sampling, `accept` advances it. Same contract as llama.cpp's grammar sampler
// (src/llama-grammar.cpp `llama_grammar_apply_impl` / `llama_grammar_accept_impl`).

export interface Constraint {
  /**
   * Sets every forbidden token's logit to -Infinity, in place. With `tokensLeft` (tokens that may
   * still be generated, this one included), tokens after which no valid completion fits are
   * forbidden too, so the output is closed before the budget runs out.
   */
  mask(logits: Float32Array, tokensLeft?: number): void;
  /** Advances past a sampled token; throws if the token was not allowed. */
  accept(token: number): void;
  /** True when the output so far is a complete match (an end-of-generation token is allowed). */
  isComplete(): boolean;
  /** Fewest tokens that complete a valid output from the current state (Infinity if none can). */
  minTokensToComplete?(): number;
  /** True when the output is complete and nothing may follow it: generation can end right away. */
  mustEnd?(): boolean;
}
