// Every cap the engine enforces, in one reviewable place. GGUF caps follow llama.cpp's reader
// (gguf.cpp) so that any file llama.cpp accepts, we accept, and no corrupt length can make us
// allocate gigabytes before we notice the file is too short.

/** Longest GGUF string (key or value) we accept: llama.cpp's cap is 1 GiB; real files stay far below. */
export const GGUF_MAX_STRING_BYTES = 1 << 30;
/** Most elements in one GGUF metadata array (llama.cpp: 2^30). */
export const GGUF_MAX_ARRAY_LENGTH = 1 << 30;
/** Most tensors in one file; 405B splits hold a few thousand per shard. */
export const GGUF_MAX_TENSORS = 1 << 20;
/** Most metadata pairs in one file. */
export const GGUF_MAX_KV = 1 << 20;
/** Longest tensor name (ggml's GGML_MAX_NAME is 64 including the NUL). */
export const GGUF_MAX_TENSOR_NAME = 63;
/** ggml tensors have at most 4 dimensions. */
export const GGUF_MAX_DIMS = 4;
/** Largest context window a caller may ask for (Llama 3.1 trains at 131072). */
export const MAX_CONTEXT = 1 << 20;
