// JSON Schema → GBNF, the subset llama.cpp's json-schema-to-grammar supports: types (and type
// lists), properties / required / additionalProperties, items / prefixItems / minItems / maxItems,
// enum, const, minLength / maxLength, formats date, time, date-time and uuid, integer and number
// bounds, local $ref (recursive too) and anyOf / oneOf. Every other keyword that constrains values
// is refused with UnsupportedError naming it, so a schema is never silently half-enforced.
// Reference: llama.cpp common/json-schema-to-grammar.cpp (rule shapes, SPACE_RULE); written anew.

import { UnsupportedError } from "../errors.js";
import { GrammarError } from "./errors.js";
import { decimalRange, intRange } from "./number-range.js";
import { gbnfLiteral, PRIMITIVES, FORMATS, notKeysRules } from "./json-rules.js";

type Schema = Record<string, unknown>;

/** Keywords that only annotate; they never change what is valid. */
const ANNOTATIONS = new Set([
  "title", "description", "$schema", "$id", "$comment", "default", "examples", "deprecated", "readOnly",
  "writeOnly", "$defs", "definitions", "strict", "name",
]);
const TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const OBJECT_KW = ["properties", "required", "additionalProperties"];
const ARRAY_KW = ["items", "prefixItems", "minItems", "maxItems"];
const STRING_KW = ["minLength", "maxLength", "format"];
const NUMBER_KW = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];
const SUPPORTED = new Set([
  "type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", ...OBJECT_KW, ...ARRAY_KW, ...STRING_KW, ...NUMBER_KW,
]);
/** gbnf.ts caps repetition counts; larger limits would silently stop being enforced. */
const MAX_REPEAT = 2000;

const isObject = (x: unknown): x is Schema => typeof x === "object" && x !== null && !Array.isArray(x);

/** Builds one GBNF grammar from JSON schemas (several can share it, e.g. one per tool) and extra rules. */
export class JsonGrammarBuilder {
  private readonly rules = new Map<string, string>();
  private readonly refs = new Map<string, string>();
  private readonly used = new Set<string>();
  private root: unknown;
  private docs = 0;

  /** Adds the rules for a schema; returns the expression (a rule name) matching its valid values. */
  addSchema(schema: unknown, hint: string): string {
    this.root = schema;
    this.docs++;
    return this.visit(schema, "#", hint);
  }

  /** Adds a rule under a fresh name derived from `hint`; returns the name. */
  addRule(hint: string, body: string): string {
    return this.rule(hint, body);
  }

  /** Marks a primitive (ws, string, value, …) as used; returns its name. */
  primitive(name: string): string {
    return this.prim(name);
  }

  /** The grammar text with `root ::= rootBody`. */
  text(rootBody: string): string {
    const lines = [`root ::= ${rootBody}`];
    for (const name of this.used) lines.push(`${name} ::= ${PRIMITIVES[name] ?? FORMATS[name]}`);
    for (const [name, body] of this.rules) lines.push(`${name} ::= ${body}`);
    return lines.join("\n") + "\n";
  }

  private prim(name: string): string {
    this.used.add(name);
    // Primitives depend on others (value → object → string → char …); pull them in too.
    for (const dep of (PRIMITIVES[name] ?? FORMATS[name] ?? "").match(/[a-z][a-z0-9-]*/g) ?? []) {
      if ((PRIMITIVES[dep] !== undefined || FORMATS[dep] !== undefined) && !this.used.has(dep)) this.prim(dep);
    }
    return name;
  }

  private rule(hint: string, body: string): string {
    let base = hint.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase() || "r";
    if (PRIMITIVES[base] !== undefined || FORMATS[base] !== undefined || base === "root") base += "-x";
    let name = base;
    for (let i = 1; this.rules.has(name); i++) name = `${base}-${i}`;
    this.rules.set(name, body);
    return name;
  }

  private unsupported(keyword: string, path: string, detail = ""): never {
    throw new UnsupportedError(`JSON schema keyword "${keyword}" at "${path}" is not supported${detail}`, `json-schema ${keyword}`);
  }

  private invalid(path: string, what: string): never {
    throw new GrammarError(`Invalid JSON schema at "${path}": ${what}`);
  }

  /** Returns a GBNF expression (usually a rule name) matching exactly the JSON texts valid under `schema`. */
  private visit(schema: unknown, path: string, hint: string): string {
    if (schema === true || (isObject(schema) && Object.keys(schema).every((k) => ANNOTATIONS.has(k)))) return this.prim("value");
    if (schema === false) this.invalid(path, "the schema false matches nothing");
    if (!isObject(schema)) this.invalid(path, `expected an object or a boolean, got ${JSON.stringify(schema)}`);
    if (path.split("/").length > 64) this.invalid(path, "nesting is deeper than 64 levels");
    for (const k of Object.keys(schema)) if (!SUPPORTED.has(k) && !ANNOTATIONS.has(k)) this.unsupported(k, path);
    const keys = Object.keys(schema).filter((k) => !ANNOTATIONS.has(k));
    const only = (k: string, also: string[] = []) => {
      const extra = keys.find((x) => x !== k && !also.includes(x));
      if (extra) this.unsupported(extra, path, ` together with "${k}"`);
    };

    if (schema.$ref !== undefined) {
      only("$ref");
      return this.ref(schema.$ref, path);
    }
    if (schema.allOf !== undefined) {
      only("allOf");
      if (!Array.isArray(schema.allOf) || schema.allOf.length !== 1) this.unsupported("allOf", path, " (only a single subschema)");
      return this.visit(schema.allOf[0], `${path}/allOf/0`, hint);
    }
    for (const k of ["anyOf", "oneOf"] as const) {
      if (schema[k] === undefined) continue;
      only(k);
      const alts = schema[k];
      if (!Array.isArray(alts) || alts.length === 0) this.invalid(path, `"${k}" must be a non-empty array`);
      return this.rule(hint, alts.map((s, i) => this.visit(s, `${path}/${k}/${i}`, `${hint}-${i}`)).join(" | "));
    }
    const types = this.types(schema, path);
    if (schema.const !== undefined || schema.enum !== undefined) {
      only(schema.const !== undefined ? "const" : "enum", ["type"]);
      const values = schema.const !== undefined ? [schema.const] : schema.enum;
      if (!Array.isArray(values) || values.length === 0) this.invalid(path, '"enum" must be a non-empty array');
      const fitting = values.filter((v) => types.some((t) => jsonTypeMatches(v, t)));
      if (fitting.length === 0) this.invalid(path, "no enum value has the declared type");
      return this.rule(hint, fitting.map((v) => gbnfLiteral(JSON.stringify(v))).join(" | "));
    }
    const alts = types.map((t) => this.typed(t, schema, path, types.length > 1 ? `${hint}-${t}` : hint));
    return alts.length === 1 ? alts[0]! : this.rule(hint, alts.join(" | "));
  }

  /** Declared types, or the type the keywords imply, or every type. */
  private types(schema: Schema, path: string): string[] {
    const t = schema.type;
    if (t !== undefined) {
      const list = Array.isArray(t) ? t : [t];
      if (list.length === 0) this.invalid(path, '"type" is an empty list');
      for (const x of list) if (typeof x !== "string" || !TYPES.has(x)) this.invalid(path, `unknown type ${JSON.stringify(x)}`);
      return [...new Set(list as string[])];
    }
    const has = (kw: string[]) => kw.some((k) => schema[k] !== undefined);
    const implied = [
      ...(has(OBJECT_KW) ? ["object"] : []),
      ...(has(ARRAY_KW) ? ["array"] : []),
      ...(has(STRING_KW) ? ["string"] : []),
      ...(has(NUMBER_KW) ? ["number"] : []),
    ];
    return implied.length > 0 ? implied : [...TYPES].filter((x) => x !== "integer");
  }

  private typed(type: string, s: Schema, path: string, hint: string): string {
    switch (type) {
      case "object":
        return this.object(s, path, hint);
      case "array":
        return this.array(s, path, hint);
      case "string":
        return this.string(s, path, hint);
      case "integer":
      case "number":
        return this.number(type, s, path, hint);
      default:
        return this.prim(type);
    }
  }

  private ref(ref: unknown, path: string): string {
    if (typeof ref !== "string" || !(ref === "#" || ref.startsWith("#/"))) {
      this.unsupported("$ref", path, ` (only local references like "#/$defs/name", got ${JSON.stringify(ref)})`);
    }
    const key = `${this.docs}:${ref}`;
    const known = this.refs.get(key);
    if (known) return known;
    let target: unknown = this.root;
    for (const raw of ref === "#" ? [] : ref.slice(2).split("/")) {
      const part = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      target = isObject(target) || Array.isArray(target) ? (target as Record<string, unknown>)[part] : undefined;
      if (target === undefined) this.invalid(path, `$ref ${JSON.stringify(ref)} points to nothing`);
    }
    // Reserve the name first so recursive references resolve to it.
    const name = this.rule(`ref-${ref.split("/").pop() || "root"}`, "");
    this.refs.set(key, name);
    this.rules.set(name, this.visit(target, ref, `${name}-body`));
    return name;
  }

  private object(s: Schema, path: string, hint: string): string {
    if (s.properties === undefined && s.required === undefined && s.additionalProperties === undefined) return this.prim("object");
    const props = s.properties ?? {};
    if (!isObject(props)) this.invalid(path, '"properties" must be an object');
    const required = s.required ?? [];
    if (!Array.isArray(required) || required.some((r) => typeof r !== "string")) this.invalid(path, '"required" must be an array of strings');
    const items: { kv: string; mandatory: boolean }[] = [];
    const names = [...Object.keys(props), ...(required as string[]).filter((r) => !(r in props))];
    for (const key of names) {
      const mandatory = (required as string[]).includes(key);
      const sub = key in props ? props[key] : true;
      if (sub === false) {
        if (mandatory) this.invalid(path, `property "${key}" is required but its schema is false`);
        continue;
      }
      const value = this.visit(sub, `${path}/properties/${key}`, `${hint}-${key}`);
      items.push({ kv: this.rule(`${hint}-${key}-kv`, `${gbnfLiteral(JSON.stringify(key))} ws ":" ws ${value}`), mandatory });
    }
    this.prim("ws");
    const extra = s.additionalProperties;
    let extraKv: string | undefined;
    if (extra !== undefined && extra !== false) {
      const value = this.visit(extra, `${path}/additionalProperties`, `${hint}-additional`);
      const key = notKeysRules(names, `${hint}-additional-key`, (n, b) => this.rule(n, b), (p) => this.prim(p));
      extraKv = this.rule(`${hint}-additional-kv`, `${key} ws ":" ws ${value}`);
    }
    const sep = `ws "," ws`;
    // tail: something was already written, so every present item is preceded by a comma.
    const tail = (from: number) =>
      items.slice(from).map((it) => (it.mandatory ? `${sep} ${it.kv}` : `(${sep} ${it.kv})?`)).concat(extraKv ? [`(${sep} ${extraKv})*`] : []).join(" ");
    // head(i): nothing written yet, so the first present item has no comma (null: nothing at all).
    let head: string | null = extraKv ? `(${extraKv} (${sep} ${extraKv})*)?` : null;
    for (let i = items.length - 1; i >= 0; i--) {
      const first = `${items[i]!.kv} ${tail(i + 1)}`.trim();
      if (items[i]!.mandatory) head = first;
      else head = head === null ? `(${first})?` : this.rule(`${hint}-from-${i}`, `${first} | ${head}`);
    }
    return this.rule(hint, head === null ? `"{" ws "}"` : `"{" ws ${head} ws "}"`);
  }

  private array(s: Schema, path: string, hint: string): string {
    const min = this.count(s.minItems, "minItems", path) ?? 0;
    const max = this.count(s.maxItems, "maxItems", path) ?? Infinity;
    if (max < min) this.invalid(path, `maxItems ${max} is below minItems ${min}`);
    const prefix = s.prefixItems ?? [];
    if (!Array.isArray(prefix)) this.invalid(path, '"prefixItems" must be an array');
    const sep = `ws "," ws`;
    const parts = prefix.map((p, i) => this.visit(p, `${path}/prefixItems/${i}`, `${hint}-${i}`));
    if (parts.length > max) this.unsupported("prefixItems", path, ` (${parts.length} prefix items but maxItems ${max})`);
    const allowMore = s.items !== false;
    const item = allowMore ? this.visit(s.items ?? true, `${path}/items`, `${hint}-item`) : "";
    const moreMin = Math.max(min - parts.length, 0);
    const moreMax = max - parts.length;
    if (!allowMore && moreMin > 0) this.invalid(path, `minItems ${min} needs more than the ${parts.length} prefix items`);
    this.prim("ws");
    const rep = (lo: number, hi: number) => (hi === Infinity ? `{${lo},}` : `{${lo},${hi}}`);
    let body: string;
    if (parts.length > 0) {
      const more = allowMore && moreMax > 0 ? ` (${sep} ${item})${rep(moreMin, moreMax)}` : "";
      body = `"[" ws ${parts.join(` ${sep} `)}${more} ws "]"`;
    } else if (!allowMore || max === 0) body = `"[" ws "]"`;
    else if (min === 0) body = `"[" ws (${item} (${sep} ${item})${rep(0, max - 1)} ws)? "]"`;
    else body = `"[" ws ${item} (${sep} ${item})${rep(min - 1, max - 1)} ws "]"`;
    return this.rule(hint, body);
  }

  private count(v: unknown, kw: string, path: string): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) this.invalid(path, `"${kw}" must be a non-negative integer`);
    if (v > MAX_REPEAT) this.unsupported(kw, path, ` above ${MAX_REPEAT}`);
    return v;
  }

  private string(s: Schema, path: string, hint: string): string {
    const min = this.count(s.minLength, "minLength", path);
    const max = this.count(s.maxLength, "maxLength", path);
    if (s.format !== undefined) {
      if (min !== undefined || max !== undefined) this.unsupported("format", path, " together with minLength/maxLength");
      const f = s.format;
      const rule = typeof f === "string" ? { date: "date", time: "time", "date-time": "date-time", uuid: "uuid" }[f] : undefined;
      if (!rule) this.unsupported("format", path, ` for ${JSON.stringify(f)} (supported: date, time, date-time, uuid)`);
      return this.rule(hint, `"\\"" ${this.prim(rule)} "\\""`);
    }
    if (min === undefined && max === undefined) return this.prim("string");
    if (max !== undefined && max < (min ?? 0)) this.invalid(path, `maxLength ${max} is below minLength ${min}`);
    this.prim("char");
    return this.rule(hint, `"\\"" char{${min ?? 0},${max ?? ""}} "\\""`);
  }

  private number(type: "integer" | "number", s: Schema, path: string, hint: string): string {
    const bound = (kw: string) => {
      const v = s[kw];
      if (v === undefined || typeof v === "boolean") return undefined;
      if (typeof v !== "number" || !Number.isFinite(v)) this.invalid(path, `"${kw}" must be a number`);
      if (Math.abs(v) > Number.MAX_SAFE_INTEGER) this.unsupported(kw, path, " beyond ±2^53");
      return v;
    };
    let lo = bound("minimum");
    let hi = bound("maximum");
    let loEx = s.exclusiveMinimum === true; // draft 4 boolean form
    let hiEx = s.exclusiveMaximum === true;
    const exMin = bound("exclusiveMinimum");
    const exMax = bound("exclusiveMaximum");
    if (exMin !== undefined && (lo === undefined || exMin >= lo)) [lo, loEx] = [exMin, true];
    if (exMax !== undefined && (hi === undefined || exMax <= hi)) [hi, hiEx] = [exMax, true];
    if (lo === undefined && hi === undefined) return this.prim(type);
    let alts: string[];
    if (type === "integer") {
      const a = lo === undefined ? -Infinity : loEx ? Math.floor(lo) + 1 : Math.ceil(lo);
      const b = hi === undefined ? Infinity : hiEx ? Math.ceil(hi) - 1 : Math.floor(hi);
      alts = intRange(a, b);
    } else {
      for (const [kw, v] of [["minimum", lo], ["maximum", hi]] as const) {
        if (v !== undefined && !Number.isInteger(v)) this.unsupported(kw, path, ` with a fractional bound for type "number" (${v})`);
      }
      alts = decimalRange(lo ?? -Infinity, loEx, hi ?? Infinity, hiEx);
    }
    if (alts.length === 0) this.invalid(path, `no ${type} lies within the bounds`);
    return this.rule(hint, alts.join(" | "));
  }
}

function jsonTypeMatches(v: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return v === null;
    case "boolean":
      return typeof v === "boolean";
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "string":
      return typeof v === "string";
    case "array":
      return Array.isArray(v);
    default:
      return isObject(v);
  }
}

/** Compiles a JSON schema to GBNF text whose root matches exactly the JSON values the schema accepts (no surrounding whitespace). */
export function jsonSchemaToGbnf(schema: unknown): string {
  const b = new JsonGrammarBuilder();
  return b.text(b.addSchema(schema, "root-value"));
}

/** GBNF for any JSON object (response_format json_object). */
export function jsonObjectGbnf(): string {
  return jsonSchemaToGbnf({ type: "object" });
}
