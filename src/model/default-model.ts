// The embedded default model: a small Llama the project trains itself (`npm run train:default`)
// and ships in models/, used wherever a model is optional (run, chat, serve, npm start).

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DEFAULT_MODEL_ID = "llama-ts-default";

/**
 * models/llama-ts-default.gguf of this package (the same from src/ and dist/, both two levels
 * down), or the file named by LLAMA_TS_DEFAULT_MODEL.
 */
export function defaultModelPath(): string {
  const override = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.LLAMA_TS_DEFAULT_MODEL;
  return override || fileURLToPath(new URL(`../../models/${DEFAULT_MODEL_ID}.gguf`, import.meta.url));
}

export function hasDefaultModel(): boolean {
  return existsSync(defaultModelPath());
}
