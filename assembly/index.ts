// Exports of the WebAssembly kernel module, in ggml spelling where a ggml op exists. The host
// (src/kernels/wasm/) owns all memory; every pointer argument is a byte address in it.

export { set_f16_table, relaxed_simd } from "./common";
export { act_stride, quantize_q8_32, quantize_q8_k, quantize_float } from "./quantize";
export { matmul_q4_0, matmul_q4_1, matmul_q5_0, matmul_q5_1, matmul_q8_0 } from "./matmul-legacy";
export { matmul_q2_k, matmul_q3_k, matmul_q4_k, matmul_q5_k, matmul_q6_k } from "./matmul-k";
export { matmul_f32, matmul_f16, matmul_bf16 } from "./matmul-float";
export { rms_norm, rope, swiglu, add } from "./elementwise";
export { attention } from "./attention";
export { sgemm, sgemm_pack_b, sgemm_scratch_bytes, sgemm_mr, sgemm_nr } from "./sgemm";
