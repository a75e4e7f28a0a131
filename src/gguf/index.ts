// Public surface of the GGUF layer: byte sources, the hardened header parser, the file handle,
// metadata builders/accessors and the writer. Internals (cursor, byte writer) stay private.

export * from "./types.js";
export { bufferSource, type ByteSource } from "./byte-source.js";
export { fileSource } from "./file-source.js";
export { GGUF_DEFAULT_ALIGNMENT, parseGgufHeader, type ParseOptions } from "./parse.js";
export { GgufFile } from "./gguf-file.js";
export {
  md,
  metaArray,
  metaBool,
  metaFloat32Array,
  metaInt32Array,
  metaNumber,
  metaString,
  metaStringArray,
  metadataToJSON,
  requireMetaNumber,
  requireMetaString,
  type MetadataJsonOptions,
} from "./metadata.js";
export { encodeGguf, writeGguf, type GgufWriteOptions, type GgufWriteTensor } from "./writer.js";
