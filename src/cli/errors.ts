// Turns any error into the CLI's one-line message plus a hint and picks the exit code.

import { InvalidArgumentError } from "commander";
import { AbortError, ContextOverflowError, GgufParseError, ModelFormatError, UnsupportedError } from "../errors.js";
import { HttpError } from "../gguf/http-source.js";

export class UsageError extends Error {
  override name = "UsageError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Parses an option value as an integer within [min, max], naming the flag on failure. */
export function intOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} takes an integer from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

/** Parses an option value as a finite number within [min, max]. */
export function numberOption(flag: string, min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} takes a number from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

export function reportError(err: unknown): number {
  const e = err instanceof Error ? err : new Error(String(err));
  let hint: string;
  let code = 1;
  if (e instanceof UsageError) {
    hint = e.hint ?? "add --help to see the command's options";
    code = 2;
  } else if (e instanceof GgufParseError) hint = "the file is not a valid GGUF model (truncated or corrupt?); try downloading or converting it again";
  else if (e instanceof UnsupportedError) hint = "see the README's list of supported architectures and tensor types";
  else if (e instanceof HttpError) hint = e.status === 0 ? "check the URL and the network connection; llama-ts pull resumes where a download stopped" : "check the URL; llama-ts pull <url> downloads a model with resume and progress";
  else if (e instanceof ModelFormatError && /^Shard \d+ of \d+ is missing/.test(e.message)) hint = "a split model needs all its files side by side, named <name>-0000i-of-0000N.gguf";
  else if (e instanceof ModelFormatError) hint = "the file is GGUF but not a complete llama model; check it with: llama-ts inspect <model.gguf>";
  else if (e instanceof ContextOverflowError) hint = "use a shorter prompt, fewer tokens (-n) or a larger context (--ctx-size)";
  else if (e instanceof AbortError) {
    hint = "generation was stopped";
    code = 130;
  } else if ((e as NodeJS.ErrnoException).code === "ENOENT") hint = "check the path; create a test model with: llama-ts synth -o model.gguf";
  else if ((e as NodeJS.ErrnoException).code === "EEXIST") hint = "choose another output path, or pass --force to overwrite";
  else hint = "this looks like a bug in llama-ts; please report it with the command you ran";
  process.stderr.write(`error: ${e.message}\nhint: ${hint}\n`);
  if (process.env.LLAMA_TS_DEBUG) process.stderr.write(`${e.stack}\n`);
  return code;
}
