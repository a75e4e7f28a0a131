// The server's one error mapping: any thrown value → OpenAI's error envelope
// `{ error: { message, type, param, code } }` with the matching HTTP status. Routes throw ApiError
// (or library errors such as ContextOverflowError); hono's onError calls toErrorResponse.
// Reference: https://platform.openai.com/docs/guides/error-codes

import { z } from "zod";
import { AbortError, ContextOverflowError, UnsupportedError } from "../errors.js";

export type ApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "server_error"
  | "overloaded_error";

/** An error with an HTTP status and OpenAI's error fields. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly type: ApiErrorType,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Extra response headers (Retry-After, WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, "invalid_request_error", code, param);

export const unsupported = (field: string, what = `"${field}" is not supported`) =>
  new ApiError(400, what, "invalid_request_error", "unsupported_parameter", field);

export const modelNotFound = (model: string) =>
  new ApiError(404, `The model "${model}" does not exist on this server; GET /v1/models lists the ones it serves`, "not_found_error", "model_not_found", "model");

/** Zod's first issue, as one sentence naming the field path (e.g. "messages[0].role"). */
export function zodToApiError(err: z.ZodError): ApiError {
  const issue = err.issues[0]!;
  const path = issue.path.reduce<string>(
    (s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)),
    "",
  );
  const where = path ? `"${path}"` : "The request body";
  let detail = issue.message;
  if (issue.code === "unrecognized_keys") detail = `has unknown keys ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return badRequest(path ? `Invalid field ${where}: ${detail}` : `${where} is invalid: ${detail}`, path || null, "invalid_value");
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Maps any error to a status, the OpenAI envelope and extra headers. Unknown errors are 500 and logged. */
export function toErrorResponse(err: unknown, log: (e: unknown) => void = console.error): { status: number; body: ErrorBody; headers: Record<string, string> } {
  let e: ApiError;
  if (err instanceof ApiError) e = err;
  else if (err instanceof z.ZodError) e = zodToApiError(err);
  else if (err instanceof ContextOverflowError) e = badRequest(err.message, "messages", "context_length_exceeded");
  else if (err instanceof UnsupportedError) e = badRequest(err.message, null, "unsupported");
  else if (err instanceof AbortError) e = new ApiError(499, "The request was cancelled", "invalid_request_error", "cancelled");
  else {
    log(err);
    e = new ApiError(500, "The server hit an internal error; see its log for details", "server_error", "internal_error");
  }
  return { status: e.status, body: { error: { message: e.message, type: e.type, param: e.param, code: e.code } }, headers: e.headers };
}
