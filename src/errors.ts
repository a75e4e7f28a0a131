// The few error classes the library throws. Messages are one sentence, sentence case,
// quoted values, no trailing period; the CLI adds a hint line, the server maps them to HTTP.

/** A GGUF file is truncated, corrupt or violates a cap; `offset` is the absolute byte offset. */
export class GgufParseError extends SyntaxError {
  override name = "GgufParseError";
  constructor(
    message: string,
    readonly field: string,
    readonly offset: number,
  ) {
    super(`${message} (field "${field}" at byte ${offset})`);
  }
}

/** An architecture, tensor type or feature this engine does not implement. */
export class UnsupportedError extends Error {
  override name = "UnsupportedError";
  constructor(
    message: string,
    readonly what: string,
  ) {
    super(message);
  }
}

/** A prompt plus requested tokens do not fit in the context window. Never truncated silently. */
export class ContextOverflowError extends RangeError {
  override name = "ContextOverflowError";
  constructor(
    message: string,
    readonly nCtx: number,
    readonly nRequested: number,
  ) {
    super(message);
  }
}

/** Generation was stopped through an AbortSignal; the name matches fetch's AbortError. */
export class AbortError extends Error {
  override name = "AbortError";
  constructor(message = "The operation was aborted") {
    super(message);
  }
}

/** A model file is structurally valid GGUF but not a usable model (missing key or tensor, bad shape). */
export class ModelFormatError extends Error {
  override name = "ModelFormatError";
}
