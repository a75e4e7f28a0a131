// Errors of the grammar layer. GrammarError: a GBNF text or JSON schema that cannot be read (the
// server answers 400). Unsupported schema features throw UnsupportedError from src/errors.ts.

export class GrammarError extends SyntaxError {
  override name = "GrammarError";
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}
