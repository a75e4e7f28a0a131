// Bit-exactness against the llama.cpp build node-llama-cpp ships: reference weight quantization,
// dequantization and x86 AVX2 activation quantization must give the same bytes (SHA-256 of the
// output) on seeded rows; dot products agree up to f32 summation order. Fixtures: testdata/.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { GgmlType } from "../gguf/types.js";
import { quantizeActivationRow } from "./activation-quants.js";
import { rowByteSize, typeTraits } from "./type-traits.js";

interface Golden {
  n: number;
  rows: Record<string, { act: Record<string, string>; types: Record<string, { q: string; dq: string }> }>;
  dots: { type: string; w: string; a: string; value: number }[];
}
const golden = JSON.parse(readFileSync(new URL("./testdata/llama-cpp-golden.json", import.meta.url), "utf8")) as Golden;
const N = golden.n;

/** The rows of make-golden.py: xorshift32 draws turned into values exact in f32. */
function goldenRows(): Record<string, Float32Array> {
  let state = 0x9e3779b9;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const uni = (): number => ((next() >>> 8) - 8388608) * 2 ** -22;
  const gauss = (): number => {
    let s = 0;
    for (let k = 0; k < 4; k++) s += (next() >>> 11) - 1048576;
    return s * 2 ** -20;
  };
  const fill = (f: (i: number) => number): Float32Array => {
    const out = new Float32Array(N);
    for (let i = 0; i < N; i++) out[i] = f(i);
    return out;
  };
  const rows: Record<string, Float32Array> = {};
  rows.uniform = fill(uni);
  rows.gauss = fill(gauss);
  rows.zeros = new Float32Array(N);
  rows.outlier = fill(gauss);
  rows.outlier[100] = 60;
  rows.ties = fill((i) => (i % 32 === 0 ? 127 : Math.max(-127, Math.min(126, (next() >>> 24) - 128)) + 0.5));
  rows.tiny = fill(() => gauss() * 2 ** -18);
  rows.half = fill((i) => (i < 256 ? 0 : gauss()));
  rows.const = fill(() => 0.375);
  rows.negconst = fill(() => -1.25);
  rows.skewed = fill(() => Math.abs(gauss()) + 0.5);
  return rows;
}

const rows = goldenRows();
const sha = (bytes: Uint8Array | Float32Array): string =>
  createHash("sha256").update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).digest("hex");
const typeOf = (name: string): GgmlType => GgmlType[name as keyof typeof GgmlType];

function quantize(type: GgmlType, x: Float32Array): Uint8Array {
  const out = new Uint8Array(rowByteSize(type, x.length));
  typeTraits(type).quantizeRow!(x, 0, out, 0, x.length);
  return out;
}

function activation(type: GgmlType, x: Float32Array): Uint8Array {
  const out = new Uint8Array(rowByteSize(type, x.length));
  quantizeActivationRow(type, x, 0, out, 0, x.length);
  return out;
}

for (const [rowName, expected] of Object.entries(golden.rows)) {
  test(`row "${rowName}": weight quantization and dequantization match llama.cpp byte for byte`, () => {
    for (const [typeName, want] of Object.entries(expected.types)) {
      const type = typeOf(typeName);
      const q = quantize(type, rows[rowName]);
      assert.equal(sha(q), want.q, `${typeName} quantize_row_ref`);
      const y = new Float32Array(N);
      typeTraits(type).dequantizeRow(q, 0, y, 0, N);
      assert.equal(sha(y), want.dq, `${typeName} dequantize_row`);
    }
  });

  test(`row "${rowName}": activation quantization matches llama.cpp's x86 AVX2 build`, () => {
    for (const [typeName, want] of Object.entries(expected.act)) {
      assert.equal(sha(activation(typeOf(typeName), rows[rowName])), want, typeName);
    }
  });
}

test("vecDot agrees with ggml_vec_dot_* (AVX2) up to f32 summation order", () => {
  for (const { type: typeName, w, a, value } of golden.dots) {
    const traits = typeTraits(typeOf(typeName));
    const got = traits.vecDot(quantize(traits.type, rows[w]), 0, activation(traits.vecDotType, rows[a]), 0, N);
    const tol = 2e-6 * Math.max(1, Math.abs(value));
    assert.ok(Math.abs(got - value) <= tol, `${typeName} ${w}·${a}: ${got} vs ggml ${value}`);
  }
});
