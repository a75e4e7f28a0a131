// What a request says about the shape of its output, turned into engine objects: a token-level
// Constraint (response_format json_object / json_schema, llama.cpp's `grammar`, or tool calls)
// built by the chat module, and the tools whose calls are parsed out of the reply.
// Reference: https://platform.openai.com/docs/guides/structured-outputs, .../function-calling

import { createConstraint, GrammarError, type ConstraintSpec, type ToolDefinition } from "../chat/index.js";
import { UnsupportedError } from "../errors.js";
import type { LlamaModel } from "../model/model.js";
import { hasChatTemplate, toToolDefinitions } from "./chat-prompt.js";
import { badRequest } from "./errors.js";
import type { ResponseFormat, Tool, ToolChoice } from "./schemas.js";
import type { Constraint } from "./sequence.js";

export interface OutputRules {
  /** A fresh constraint per choice (each tracks its own position in the grammar). */
  makeConstraint?: () => Constraint;
  /** Tools given to the template and parsed out of replies; absent when no tool may be called. */
  tools?: ToolDefinition[];
  /** The raw request tools (for rendering). */
  requestTools?: Tool[];
}

interface OutputFields {
  response_format?: ResponseFormat | null;
  grammar?: string | null;
  tools?: Tool[] | null;
  tool_choice?: ToolChoice | null;
  parallel_tool_calls?: boolean | null;
}

export function outputRules(model: LlamaModel, req: OutputFields): OutputRules {
  const toolsActive = !!req.tools?.length && req.tool_choice !== "none";
  const format = req.response_format && req.response_format.type !== "text" ? req.response_format : undefined;
  if (req.tool_choice && req.tool_choice !== "none" && !req.tools?.length) throw badRequest('Invalid field "tool_choice": it needs "tools"', "tool_choice");
  const given = [format && "response_format", req.grammar != null && "grammar", toolsActive && "tools"].filter(Boolean);
  if (given.length > 1) throw badRequest(`Only one of "response_format", "grammar" and "tools" can shape a reply; this request sets ${given.map((g) => `"${g}"`).join(" and ")}`, given[1] as string);

  let spec: ConstraintSpec | undefined;
  let param = "";
  const rules: OutputRules = {};
  if (format?.type === "json_object") [spec, param] = [{ type: "json_object" }, "response_format"];
  else if (format?.type === "json_schema") [spec, param] = [{ type: "json_schema", schema: format.json_schema.schema ?? {} }, "response_format.json_schema.schema"];
  else if (req.grammar != null) [spec, param] = [{ type: "grammar", gbnf: req.grammar }, "grammar"];
  else if (toolsActive) {
    if (!hasChatTemplate(model)) throw badRequest("This model has no chat template, so it cannot be given tools", "tools", "unsupported_parameter");
    const tools = toToolDefinitions(req.tools!);
    const c = req.tool_choice;
    const choice = typeof c === "object" && c !== null ? { name: c.function.name } : c === "required" ? "required" : "auto";
    spec = { type: "tools", tools, choice, parallel: req.parallel_tool_calls ?? false };
    param = typeof choice === "object" ? "tool_choice" : "tools";
    rules.tools = tools;
    rules.requestTools = req.tools!;
  }
  if (!spec) return rules;
  const tokenizer = model.tokenizer;
  const build = () => {
    try {
      return createConstraint(tokenizer, spec);
    } catch (err) {
      if (err instanceof GrammarError || err instanceof UnsupportedError || err instanceof TypeError || err instanceof RangeError) {
        throw badRequest(`Invalid field "${param}": ${err.message}`, param, "invalid_value");
      }
      throw err;
    }
  };
  build(); // compile now, so a bad schema or grammar is a 400 before anything is queued
  rules.makeConstraint = build;
  return rules;
}
