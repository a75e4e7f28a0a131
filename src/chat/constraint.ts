// createConstraint: one entry point from an API request's output rules (response_format
// json_object / json_schema, a GBNF `grammar`, or tool calls) to a token-level Constraint for the
// generation loop (GenerateOptions.constraint) or a server's scheduler.

import { GrammarConstraint, grammarEngine } from "../grammar/grammar-constraint.js";
import type { Constraint } from "../grammar/constraint.js";
import { jsonObjectGbnf, jsonSchemaToGbnf } from "../grammar/json-schema.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { greedyCut, vocabIndex } from "../grammar/vocab-index.js";
import { toolCallGbnf, type ToolConstraintChoice } from "./tool-grammar.js";
import type { ToolDefinition } from "./types.js";

export type ConstraintSpec =
  | { type: "json_object" }
  | { type: "json_schema"; schema: object }
  | { type: "grammar"; gbnf: string }
  | { type: "tools"; tools: ToolDefinition[]; choice: ToolConstraintChoice; parallel?: boolean };

/** The GBNF text a spec compiles to (throws GrammarError / UnsupportedError / TypeError for bad input). */
export function constraintGbnf(tokenizer: Tokenizer, spec: ConstraintSpec): string {
  switch (spec?.type) {
    case "json_object":
      return jsonObjectGbnf();
    case "json_schema":
      return jsonSchemaToGbnf(spec.schema);
    case "grammar":
      return spec.gbnf;
    case "tools":
      return toolCallGbnf(tokenizer, spec.tools, spec.choice, { parallel: spec.parallel ?? false });
    default:
      throw new TypeError(`Unknown constraint type ${JSON.stringify((spec as { type?: unknown })?.type)}; expected json_object, json_schema, grammar or tools`);
  }
}

/** A fresh Constraint for one generation; compiled grammars and vocabulary masks are shared between calls. */
export function createConstraint(tokenizer: Tokenizer, spec: ConstraintSpec): Constraint {
  return new GrammarConstraint(grammarEngine(tokenizer, constraintGbnf(tokenizer, spec)));
}

/**
 * Builds the per-vocabulary tables constraints need (sorted token bytes, piece set; about 0.5 s for
 * Llama 3's 128256 tokens) now rather than on the first constrained request.
 */
export function prepareConstraints(tokenizer: Tokenizer): void {
  greedyCut(vocabIndex(tokenizer), new Uint8Array(0));
}
