// Reading a request body: JSON text → value (a 400 when it is not JSON) → schema-checked object
// (a 400 naming the bad field). Routes that may proxy keep the raw text to forward unchanged.

import type { Context } from "hono";
import type { z } from "zod";
import { badRequest, zodToApiError } from "./errors.js";

export async function readJson(c: Context): Promise<{ raw: string; json: unknown }> {
  const raw = await c.req.text();
  if (raw.trim() === "") throw badRequest("The request body is empty: send a JSON object", null, "invalid_json");
  try {
    return { raw, json: JSON.parse(raw) };
  } catch (err) {
    throw badRequest(`The request body is not valid JSON: ${(err as Error).message}`, null, "invalid_json");
  }
}

export function parseBody<S extends z.ZodType>(schema: S, json: unknown): z.infer<S> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw badRequest("The request body must be a JSON object", null, "invalid_json");
  const r = schema.safeParse(json);
  if (!r.success) throw zodToApiError(r.error);
  return r.data;
}

/** The `model` field when it is a string (a wrong type is left for the schema to report). */
export function modelField(json: unknown): string | undefined {
  const m = typeof json === "object" && json !== null ? (json as { model?: unknown }).model : undefined;
  return typeof m === "string" ? m : undefined;
}
