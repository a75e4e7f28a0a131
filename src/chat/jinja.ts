// Renders Jinja chat templates with @huggingface/jinja, plus what chat templates expect from
// their host (transformers / llama.cpp): raise_exception, strftime_now, and the `select` /
// `reject` filters (Llama 3.1's template uses `reject('equalto', …)`, which the library lacks).
// Parsed templates are cached by text.

import { Environment, Interpreter, Template } from "@huggingface/jinja";
import { ChatTemplateError } from "./errors.js";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const pad2 = (n: number) => String(n).padStart(2, "0");

/** C strftime for the directives chat templates use, in English (the C locale), local time. */
export function strftime(date: Date, format: string): string {
  return format.replace(/%[a-zA-Z%]/g, (d) => {
    switch (d) {
      case "%d": return pad2(date.getDate());
      case "%e": return String(date.getDate()).padStart(2, " ");
      case "%m": return pad2(date.getMonth() + 1);
      case "%b": return MONTHS[date.getMonth()]!.slice(0, 3);
      case "%B": return MONTHS[date.getMonth()]!;
      case "%y": return pad2(date.getFullYear() % 100);
      case "%Y": return String(date.getFullYear());
      case "%a": return DAYS[date.getDay()]!.slice(0, 3);
      case "%A": return DAYS[date.getDay()]!;
      case "%H": return pad2(date.getHours());
      case "%M": return pad2(date.getMinutes());
      case "%S": return pad2(date.getSeconds());
      case "%%": return "%";
      default: return d;
    }
  });
}

interface RuntimeValue {
  type: string;
  value: unknown;
}
type Evaluate = (node: unknown, env: unknown) => RuntimeValue;
interface FilterNode {
  type: string;
  callee?: { type: string; value: string };
  args?: unknown[];
}

class ChatInterpreter extends Interpreter {}
const baseApplyFilter = (Interpreter.prototype as unknown as { applyFilter: (...a: unknown[]) => RuntimeValue }).applyFilter;
// Jinja's select/reject with a test: `list | reject('equalto', 'x')`.
(ChatInterpreter.prototype as unknown as { applyFilter: unknown }).applyFilter = function (
  this: { evaluate: Evaluate },
  operand: RuntimeValue,
  filter: FilterNode,
  env: { tests: ReadonlyMap<string, (...v: RuntimeValue[]) => boolean> },
): RuntimeValue {
  const name = filter.type === "CallExpression" && filter.callee?.type === "Identifier" ? filter.callee.value : undefined;
  if ((name === "select" || name === "reject") && operand.type === "ArrayValue") {
    const [testName, ...rest] = (filter.args ?? []).map((a) => this.evaluate(a, env));
    const test = testName ? env.tests.get(String(testName.value)) : undefined;
    if (!test) throw new Error(`Unknown test ${JSON.stringify(testName?.value)} in "${name}"`);
    const items = (operand.value as RuntimeValue[]).filter((x) => test(x, ...rest) === (name === "select"));
    return new (operand.constructor as new (v: RuntimeValue[]) => RuntimeValue)(items);
  }
  return baseApplyFilter.call(this, operand, filter, env);
};

const cache = new Map<string, Template>();

function parsed(source: string): Template {
  let t = cache.get(source);
  if (!t) {
    try {
      t = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(`The chat template cannot be parsed: ${(e as Error).message}`);
    }
    if (cache.size >= 16) cache.delete(cache.keys().next().value!);
    cache.set(source, t);
  }
  return t;
}

/** Renders a template with the given variables; template errors (raise_exception included) become ChatTemplateError. */
export function renderJinja(source: string, vars: Record<string, unknown>): string {
  const template = parsed(source);
  const env = new Environment();
  const globals: Record<string, unknown> = {
    false: false, true: true, none: null, False: false, True: true, None: null,
    raise_exception: (message: unknown) => {
      throw new ChatTemplateError(`The chat template refused the conversation: ${String(message)}`);
    },
    strftime_now: (format: unknown) => strftime(new Date(), String(format)),
    range: (a: number, b?: number, step = 1) => {
      const [start, stop] = b === undefined ? [0, a] : [a, b];
      const out: number[] = [];
      for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
      return out;
    },
  };
  for (const [k, v] of Object.entries({ ...globals, ...vars })) if (v !== undefined) env.set(k, v);
  try {
    // The package's .d.ts re-exports use extensionless paths that NodeNext cannot follow, so type the class here.
    const Ctor = ChatInterpreter as unknown as new (e: unknown) => { run(program: unknown): RuntimeValue };
    const result = new Ctor(env).run(template.parsed);
    return String(result.value);
  } catch (e) {
    if (e instanceof ChatTemplateError) throw e;
    throw new ChatTemplateError(`The chat template failed: ${(e as Error).message}`);
  }
}
