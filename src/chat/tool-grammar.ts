// The GBNF that constrains Llama 3.1 tool calls: `{"name": "<declared tool>", "parameters":
// <arguments valid under that tool's JSON schema>}` (the HF template's format), optionally after
// <|python_tag|>; built-in tools as `<|python_tag|>brave_search.call(query="...")` or, for
// code_interpreter, `<|python_tag|>` then code. With tool_choice "auto" the reply may instead be
// plain text that does not start with "{"; "required" and a named tool force a call.

import { UnsupportedError } from "../errors.js";
import { gbnfLiteral } from "../grammar/json-rules.js";
import { JsonGrammarBuilder } from "../grammar/json-schema.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { BUILTIN_TOOLS } from "./template.js";
import type { ToolDefinition } from "./types.js";

export type ToolConstraintChoice = "auto" | "required" | { name: string };

export interface ToolGrammarOptions {
  /** Allow several calls separated by ";" (parallel_tool_calls); default false (Llama 3.1 makes one call per turn). */
  parallel?: boolean;
}

/** The id of <|python_tag|> in this vocabulary, if it has one. */
export function pythonTagId(tokenizer: Tokenizer): number | undefined {
  const ids = tokenizer.encode("<|python_tag|>", { addSpecial: false, parseSpecial: true });
  return ids.length === 1 && tokenizer.isControl(ids[0]!) ? ids[0] : undefined;
}

function builtinCall(b: JsonGrammarBuilder, tool: ToolDefinition): string {
  const name = tool.function.name;
  if (name === "code_interpreter") return b.addRule("code-interpreter-call", ". .*"); // any code, ended by <|eom_id|>
  // name.call(key="value", ...): the declared string properties, or `query` when none are declared.
  const params = tool.function.parameters;
  const props = typeof params === "object" && params && typeof params.properties === "object" && params.properties ? Object.keys(params.properties) : ["query"];
  const pyString = b.addRule("py-string", `"\\"" ([^"\\\\\\x00-\\x1F] | "\\\\" ["\\\\nt])* "\\""`);
  const args = props.map((p) => `${gbnfLiteral(p + "=")} ${pyString}`);
  return b.addRule(`${name}-call`, `${gbnfLiteral(name + ".call(")} ${args.join(` ", " `)} ")"`);
}

/** GBNF for a reply that calls the declared tools as `choice` demands. */
export function toolCallGbnf(tokenizer: Tokenizer, tools: readonly ToolDefinition[], choice: ToolConstraintChoice, opts: ToolGrammarOptions = {}): string {
  if (!Array.isArray(tools) || tools.length === 0) throw new TypeError("A tool-call constraint needs at least one tool");
  let chosen = [...tools];
  if (typeof choice === "object") {
    chosen = tools.filter((t) => t.function?.name === choice.name);
    if (chosen.length === 0) throw new TypeError(`tool_choice names "${choice.name}", which is not among the declared tools`);
  } else if (choice !== "auto" && choice !== "required") {
    throw new TypeError(`tool_choice must be "auto", "required", "none" or {"name": ...}, got ${JSON.stringify(choice)}`);
  }
  const tag = pythonTagId(tokenizer);
  const b = new JsonGrammarBuilder();
  const ws = b.primitive("ws");
  const json: string[] = [];
  const builtin: string[] = [];
  for (const t of chosen) {
    const name = t.function?.name;
    if (typeof name !== "string") throw new TypeError("Every tool needs a function name");
    if (tag !== undefined && BUILTIN_TOOLS.has(name)) {
      builtin.push(builtinCall(b, t));
      continue;
    }
    let args: string;
    try {
      args = b.addSchema(t.function.parameters ?? { type: "object", properties: {} }, `${name}-args`);
    } catch (e) {
      if (e instanceof UnsupportedError) throw new UnsupportedError(`Tool "${name}": ${e.message}`, e.what);
      throw e;
    }
    json.push(
      b.addRule(`${name}-call`, `"{" ${ws} "\\"name\\"" ${ws} ":" ${ws} ${gbnfLiteral(JSON.stringify(name))} ${ws} "," ${ws} "\\"parameters\\"" ${ws} ":" ${ws} ${args} ${ws} "}"`),
    );
  }
  const pieces: string[] = [];
  if (json.length > 0) pieces.push(tag !== undefined ? `<[${tag}]>? (${json.join(" | ")})` : json.join(" | "));
  if (builtin.length > 0) pieces.push(`<[${tag}]> (${builtin.join(" | ")})`);
  const call = b.addRule("call", pieces.join(" | "));
  const calls = opts.parallel ? `${call} ([ \\t\\n]{0,2} ";" [ \\t\\n]{0,2} ${call})*` : call;
  const lead = `[ \\t\\n]{0,8}`;
  if (choice === "auto") {
    // Plain text must not start like a call: a "{" (or <|python_tag|>) commits to the tool grammar.
    const free = b.addRule("free-text", `[^{ \\t\\n\\r] .*`);
    return b.text(`${lead} (${calls} | ${free})`);
  }
  return b.text(`${lead} ${calls}`);
}
