// The plain-TypeScript kernel set: correct everywhere JavaScript runs, and the reference that
// every faster backend is tested against.

import type { Kernels } from "../kernels.js";
import { attentionJs } from "./attention.js";
import { addJs, swigluJs } from "./elementwise.js";
import { getRowJs, matmulJs } from "./matmul.js";
import { rmsNormJs } from "./rms-norm.js";
import { ropeJs } from "./rope.js";

export const jsKernels: Kernels = {
  name: "js",
  prepareWeight: (w) => w,
  matmul: matmulJs,
  getRow: getRowJs,
  rmsNorm: rmsNormJs,
  rope: ropeJs,
  swiglu: swigluJs,
  add: addJs,
  attention: attentionJs,
};
