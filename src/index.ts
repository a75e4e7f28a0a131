// llama.ts public API, in data-flow order: gguf → tensors → kernels → model → tokenizer →
// sampling → generation → chat (templates, tools, structured output), plus model synthesis for tests.

export { GgufFile } from "./gguf/gguf-file.js";
export { parseGgufHeader } from "./gguf/parse.js";
export { writeGguf, encodeGguf } from "./gguf/writer.js";
export { md, metaString, metaNumber, metaBool, metadataToJSON } from "./gguf/metadata.js";
export { GgmlType, GgufValueType, ggmlTypeName } from "./gguf/types.js";
export type { GgufHeader, GgufMetadata, GgufMetadataEntry, GgufTensorInfo, GgufValue } from "./gguf/types.js";

export { typeTraits, rowByteSize } from "./tensors/type-traits.js";
export type { GgmlTypeTraits } from "./tensors/type-traits.js";

export type { Kernels, WeightMatrix } from "./kernels/kernels.js";
export { jsKernels } from "./kernels/js/index.js";
export { selectKernels, defaultThreads, KERNEL_NAMES } from "./kernels/select.js";
export type { KernelsName, SelectKernelsOptions } from "./kernels/select.js";

export { loadModel, loadModelFromBytes, LlamaModel } from "./model/model.js";
export type { LoadModelOptions } from "./model/model.js";
export type { ModelConfig } from "./model/config.js";
export { LlamaContext } from "./model/context.js";
export type { ContextOptions } from "./model/context.js";

export { Tokenizer } from "./tokenizer/tokenizer.js";

export { Sampler } from "./sampling/sampler.js";
export type { SamplingParams } from "./sampling/sampler.js";

export type { GenerateOptions, GenerationPiece, GenerationResult, GenerationTimings, FinishReason } from "./generation/generate.js";

export { ChatSession, renderChat, createConstraint, parseToolCalls, ToolCallStream, jsonSchemaToGbnf, ChatTemplateError, GrammarError } from "./chat/index.js";
export type { ChatMessage, ToolDefinition, ParsedToolCall, ConstraintSpec, Constraint, ChatSessionOptions, ChatTurnResult, ChatDelta } from "./chat/index.js";

export { synthesizeModel } from "./synth/synth.js";

export { defaultModelPath, hasDefaultModel, DEFAULT_MODEL_ID } from "./model/default-model.js";

// Training: config → datasets → train() → GGUF, and the tokenizer trainer.
export { train, initParams, flopsPerToken, CHECKPOINT_FILE } from "./train/trainer.js";
export type { TrainOptions, TrainResult, TrainProgress } from "./train/trainer.js";
export { readTrainConfig, parseTrainConfig, trainConfigSchema, ConfigError } from "./train/config.js";
export type { TrainConfig } from "./train/config.js";
export { TrainableLlama } from "./train/llama-train.js";
export { paramLayout } from "./train/model-shape.js";
export type { TrainShape, ParamLayout, ParamTensor } from "./train/model-shape.js";
export { jsCompute } from "./train/compute.js";
export type { TrainCompute } from "./train/compute.js";
export { createTrainCompute } from "./train/select-compute.js";
export { buildDataset, writeDataset, readDataset, encodeDataset, decodeDataset, DatasetError } from "./train/dataset.js";
export type { TokenDataset } from "./train/dataset.js";
export { exportGguf, EXPORT_TYPES } from "./train/export.js";
export type { ExportType, ExportOptions } from "./train/export.js";
export { loadCheckpoint, saveCheckpoint, CheckpointError } from "./train/checkpoint.js";
export { trainBpe } from "./train/tokenizer/train-bpe.js";
export { saveVocab, loadVocab } from "./train/tokenizer/vocab-file.js";
export { trainedVocabMetadata, tokenizerFromVocab } from "./train/tokenizer/vocab-metadata.js";
export type { TrainedVocab } from "./train/tokenizer/train-bpe.js";

// Evaluation on held-out task prompts.
export { evaluateTasks } from "./eval/tasks.js";
export type { TaskAnswerer, TaskEvaluation } from "./eval/tasks.js";
export { modelAnswerer } from "./eval/model-answerer.js";
export type { SynthOptions } from "./synth/synth.js";

export { AbortError, ContextOverflowError, GgufParseError, ModelFormatError, UnsupportedError } from "./errors.js";
