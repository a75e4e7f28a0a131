// Every cap the server enforces, in one reviewable place: request sizes, sampling ranges,
// concurrency and rate limits. Flags of `llama-ts serve` override the ones marked "default".
// Engine caps (GGUF, context) stay in src/limits.ts.

/** Largest request body in bytes (413 above it). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Most characters of prompt text (all messages, or one completion prompt) before tokenizing. */
export const MAX_PROMPT_CHARS = 1024 * 1024;
/** Most messages in one chat request. */
export const MAX_MESSAGES = 2048;
/** Largest max_tokens / max_completion_tokens a request may ask for. */
export const MAX_TOKENS_CAP = 32768;
/** Most choices per request (`n`). */
export const MAX_N = 16;
/** Most prompts in one /v1/completions request. */
export const MAX_PROMPTS = 64;
/** Most stop strings and their longest length. */
export const MAX_STOP_STRINGS = 16;
export const MAX_STOP_CHARS = 1024;
/** Most logit_bias entries. */
export const MAX_LOGIT_BIAS = 4096;
/** OpenAI's caps for top_logprobs (chat) and logprobs (completions). */
export const MAX_TOP_LOGPROBS = 20;
export const MAX_COMPLETION_LOGPROBS = 5;
/** Most inputs in one /v1/embeddings request. */
export const MAX_EMBEDDING_INPUTS = 256;
/** Most token ids in one /detokenize request. */
export const MAX_DETOKENIZE_TOKENS = 1 << 20;

/** Default and largest number of parallel sequences (slots). */
export const DEFAULT_PARALLEL = 4;
export const MAX_PARALLEL = 256;
/** Default number of requests that may wait for a slot; beyond it requests get 503 + Retry-After. */
export const DEFAULT_MAX_QUEUE = 64;
/** Tokens evaluated per scheduler step across all slots (prompt chunks fill what decoding leaves). */
export const STEP_TOKENS = 512;
/** Default requests per minute per API key (or per client address without keys); 0 turns it off. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
/** Retry-After (seconds) sent with 503 when the queue is full. */
export const QUEUE_FULL_RETRY_AFTER_S = 2;
