// Request bodies of the OpenAI-compatible API as zod schemas: every request is parsed here
// before anything else runs, so a bad field is a 400 naming its path. Unknown fields are
// dropped (clients add their own), known-but-unsupported ones are refused by the routes.
// Reference: https://platform.openai.com/docs/api-reference/chat/create (and /completions, /embeddings)

import { z } from "zod";
import * as L from "./limits.js";

const stop = z.union([z.string().min(1).max(L.MAX_STOP_CHARS), z.array(z.string().min(1).max(L.MAX_STOP_CHARS)).max(L.MAX_STOP_STRINGS)]);

/** Fields shared by /v1/chat/completions and /v1/completions. OpenAI's ranges, plus llama.cpp's extra samplers. */
const generationFields = {
  model: z.string().max(256).optional(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().min(0).max(L.MAX_TOKENS_CAP).nullish(),
  n: z.number().int().min(1).max(L.MAX_N).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  seed: z.number().int().min(-1).max(0xffffffff).nullish(),
  stop: stop.nullish(),
  logit_bias: z.record(z.string().regex(/^(0|[1-9][0-9]*)$/, "keys must be token ids"), z.number().min(-100).max(100)).nullish(),
  user: z.string().nullish(),
  // llama.cpp server extensions.
  top_k: z.number().int().min(0).nullish(),
  min_p: z.number().min(0).max(1).nullish(),
  typical_p: z.number().gt(0).max(1).nullish(),
  repeat_penalty: z.number().gt(0).max(100).nullish(),
  repeat_last_n: z.number().int().min(-1).nullish(),
  ignore_eos: z.boolean().nullish(),
  /** llama.ts: what to do when the prompt does not fit (default "error"). */
  context_overflow: z.enum(["error", "drop_oldest_turns"]).nullish(),
};

const textPart = z.object({ type: z.string(), text: z.string().optional() });
const content = z.union([z.string(), z.array(textPart)]);

const toolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

export const chatMessageSchema = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content, name: z.string().optional() }),
  z.object({ role: z.literal("developer"), content, name: z.string().optional() }),
  z.object({ role: z.literal("user"), content, name: z.string().optional() }),
  z.object({ role: z.literal("assistant"), content: content.nullish(), name: z.string().optional(), tool_calls: z.array(toolCall).nullish() }),
  z.object({ role: z.literal("tool"), content, tool_call_id: z.string() }),
  z.object({ role: z.literal("ipython"), content }),
]);
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const toolSchema = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, \"_\", \".\" or \"-\""),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});
export type Tool = z.infer<typeof toolSchema>;

export const toolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

export const responseFormatSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

export const chatRequestSchema = z.object({
  ...generationFields,
  messages: z.array(chatMessageSchema).min(1).max(L.MAX_MESSAGES),
  max_completion_tokens: z.number().int().min(0).max(L.MAX_TOKENS_CAP).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(L.MAX_TOP_LOGPROBS).nullish(),
  tools: z.array(toolSchema).max(128).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormatSchema.nullish(),
  /** llama.cpp extension: a GBNF grammar the output must follow. */
  grammar: z.string().max(L.MAX_PROMPT_CHARS).nullish(),
  // Known OpenAI fields this server refuses with a clear message (see routes/chat-completions.ts).
  audio: z.unknown().optional(),
  modalities: z.array(z.string()).nullish(),
  prediction: z.unknown().optional(),
  functions: z.unknown().optional(),
  function_call: z.unknown().optional(),
  web_search_options: z.unknown().optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

const tokenIds = z.array(z.number().int().min(0));

export const completionRequestSchema = z.object({
  ...generationFields,
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(L.MAX_PROMPTS), tokenIds.min(1), z.array(tokenIds.min(1)).min(1).max(L.MAX_PROMPTS)]),
  logprobs: z.number().int().min(0).max(L.MAX_COMPLETION_LOGPROBS).nullish(),
  echo: z.boolean().nullish(),
  best_of: z.number().int().min(1).max(L.MAX_N).nullish(),
  suffix: z.string().nullish(),
  // llama-server accepts these on completions too.
  response_format: responseFormatSchema.nullish(),
  grammar: z.string().max(L.MAX_PROMPT_CHARS).nullish(),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const embeddingRequestSchema = z.object({
  model: z.string().max(256).optional(),
  input: z.union([z.string(), z.array(z.string()).min(1).max(L.MAX_EMBEDDING_INPUTS), tokenIds.min(1), z.array(tokenIds.min(1)).min(1).max(L.MAX_EMBEDDING_INPUTS)]),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().min(1).nullish(),
  user: z.string().nullish(),
});
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/** llama-server's /tokenize and /detokenize. */
export const tokenizeRequestSchema = z.object({
  content: z.string().max(L.MAX_PROMPT_CHARS),
  add_special: z.boolean().nullish(),
  parse_special: z.boolean().nullish(),
  with_pieces: z.boolean().nullish(),
});
export const detokenizeRequestSchema = z.object({ tokens: tokenIds.max(L.MAX_DETOKENIZE_TOKENS) });
