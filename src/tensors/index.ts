// Public surface of the tensor layer: f16/bf16 scalars, per-type traits (block geometry, codecs,
// dot products), the activation quantizer the matmul kernel calls, and whole-tensor helpers.

export { F16_TO_F32, BF16_TO_F32, f16ToF32, f32ToF16, bf16ToF32, f32ToBf16 } from "./f16.js";
export { typeTraits, rowByteSize, SUPPORTED_TYPES, type GgmlTypeTraits } from "./type-traits.js";
export {
  quantizeActivationRow,
  quantizeActivationRowQ8_0,
  quantizeActivationRowQ8_1,
  quantizeRowQ8_K,
  nearestInt,
} from "./activation-quants.js";
export { dequantizeTensor, quantizeTensor } from "./tensor-codec.js";
