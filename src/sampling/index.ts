// Stage 4 of the pipeline: logits → token id (llama.cpp's sampler chain and seeded draw).

export { Sampler, type SampledToken } from "./sampler.js";
export { DEFAULT_SAMPLING, RANDOM_SEED, type SamplingParams } from "./params.js";
export { logSoftmaxAt, topLogprobs } from "./logprobs.js";
export { Mt19937 } from "./rng.js";
