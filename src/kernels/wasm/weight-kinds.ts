// Per weight type: which kernel export multiplies it and how its activations are prepared
// (assembly/quantize.ts layouts). Mirrors the vecDotType column of src/tensors/type-traits.ts.

import { GgmlType } from "../../gguf/types.js";
import type { OpName } from "../threads/protocol.js";

export interface ActivationKind {
  /** Key shared by weight types that read the same prepared activations. */
  key: string;
  op: "quantize_q8_32" | "quantize_q8_k" | "quantize_float";
  /** act_stride kind: 0 = 32-blocks, 1 = Q8_K, 2 = f32 values. */
  layout: number;
  perm: number;
  /** Arguments between (x, n, dst, stride) and (t0, t1). */
  extra: readonly number[];
  /** Elements per block: the row length must be a multiple. */
  block: number;
}

export interface WeightKind {
  matmul: OpName;
  act: ActivationKind;
}

const q8_0: ActivationKind = { key: "q8_0", op: "quantize_q8_32", layout: 0, perm: 0, extra: [0, 0], block: 32 };
const q8_1: ActivationKind = { key: "q8_1", op: "quantize_q8_32", layout: 0, perm: 0, extra: [1, 0], block: 32 };
const q8_0p: ActivationKind = { key: "q8_0p", op: "quantize_q8_32", layout: 0, perm: 1, extra: [0, 1], block: 32 };
const q8_1p: ActivationKind = { key: "q8_1p", op: "quantize_q8_32", layout: 0, perm: 1, extra: [1, 1], block: 32 };
const q8_k: ActivationKind = { key: "q8_k", op: "quantize_q8_k", layout: 1, perm: 0, extra: [0], block: 256 };
const q8_kp: ActivationKind = { key: "q8_kp", op: "quantize_q8_k", layout: 1, perm: 1, extra: [1], block: 256 };
const f32: ActivationKind = { key: "f32", op: "quantize_float", layout: 2, perm: 0, extra: [0], block: 1 };
const f16: ActivationKind = { key: "f16", op: "quantize_float", layout: 2, perm: 0, extra: [1], block: 1 };
const bf16: ActivationKind = { key: "bf16", op: "quantize_float", layout: 2, perm: 0, extra: [2], block: 1 };

const KINDS: Partial<Record<GgmlType, WeightKind>> = {
  [GgmlType.F32]: { matmul: "matmul_f32", act: f32 },
  [GgmlType.F16]: { matmul: "matmul_f16", act: f16 },
  [GgmlType.BF16]: { matmul: "matmul_bf16", act: bf16 },
  [GgmlType.Q4_0]: { matmul: "matmul_q4_0", act: q8_0p },
  [GgmlType.Q4_1]: { matmul: "matmul_q4_1", act: q8_1p },
  [GgmlType.Q5_0]: { matmul: "matmul_q5_0", act: q8_0p },
  [GgmlType.Q5_1]: { matmul: "matmul_q5_1", act: q8_1p },
  [GgmlType.Q8_0]: { matmul: "matmul_q8_0", act: q8_0 },
  [GgmlType.Q2_K]: { matmul: "matmul_q2_k", act: q8_k },
  [GgmlType.Q3_K]: { matmul: "matmul_q3_k", act: q8_k },
  [GgmlType.Q4_K]: { matmul: "matmul_q4_k", act: q8_kp },
  [GgmlType.Q5_K]: { matmul: "matmul_q5_k", act: q8_kp },
  [GgmlType.Q6_K]: { matmul: "matmul_q6_k", act: q8_kp },
};

/** The relaxed-SIMD build multiplies these nibble types as bytes, against element-order activations. */
const RELAXED: Partial<Record<GgmlType, WeightKind>> = {
  [GgmlType.Q4_0]: { matmul: "matmul_q4_0", act: q8_0 },
  [GgmlType.Q4_1]: { matmul: "matmul_q4_1", act: q8_1 },
  [GgmlType.Q4_K]: { matmul: "matmul_q4_k", act: q8_k },
  [GgmlType.Q5_K]: { matmul: "matmul_q5_k", act: q8_k },
  [GgmlType.Q6_K]: { matmul: "matmul_q6_k", act: q8_k },
};

/** The WebAssembly route for a weight type, or undefined where only the JS kernels apply. */
export function weightKind(type: GgmlType, relaxed: boolean): WeightKind | undefined {
  return (relaxed && RELAXED[type]) || KINDS[type];
}
