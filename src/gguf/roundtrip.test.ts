// Round trips through encodeGguf → parseGgufHeader: every value and array type at its extremes,
// v2 and v3, default and custom alignment, tensor layout, and the writer's own validation.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bufferSource } from "./byte-source.js";
import { md } from "./metadata.js";
import { parseGgufHeader } from "./parse.js";
import { GgmlType, GgufValueType, type GgufMetadata, type GgufMetadataEntry } from "./types.js";
import { encodeGguf, type GgufWriteTensor } from "./writer.js";

const T = GgufValueType;

function everyType(): [string, GgufMetadataEntry][] {
  return [
    ["general.architecture", md.string("llama")],
    ["t.string.empty", md.string("")],
    ["t.string.unicode", md.string("\uFEFFhéllo wörld — 日本語 🦙 long enough to skip the ASCII fast path")],
    ["t.uint8", md.uint8(255)],
    ["t.int8", md.int8(-128)],
    ["t.uint16", md.uint16(65535)],
    ["t.int16", md.int16(-32768)],
    ["t.uint32", md.uint32(0xffffffff)],
    ["t.int32", md.int32(-0x80000000)],
    ["t.float32", md.float32(Math.fround(0.1))],
    ["t.float32.nan", md.float32(NaN)],
    ["t.float64", md.float64(0.1)],
    ["t.uint64", md.uint64(0xffffffffffffffffn)],
    ["t.uint64.small", md.uint64(7)],
    ["t.int64", md.int64(-0x8000000000000000n)],
    ["t.bool.true", md.bool(true)],
    ["t.bool.false", md.bool(false)],
    ["a.uint8", md.uint8Array([0, 1, 255])],
    ["a.int8", md.int8Array([-128, 0, 127])],
    ["a.uint16", md.uint16Array([0, 65535])],
    ["a.int16", md.int16Array([-32768, 32767])],
    ["a.uint32", md.uint32Array([0, 0xffffffff])],
    ["a.int32", md.int32Array([-0x80000000, 0x7fffffff, 5])],
    ["a.float32", md.float32Array([0.5, -1.25, Infinity])],
    ["a.float64", md.float64Array([0.1, -1e300])],
    ["a.uint64", md.uint64Array([0n, 0xffffffffffffffffn])],
    ["a.int64", md.int64Array([-0x8000000000000000n, 0x7fffffffffffffffn])],
    ["a.bool", md.boolArray([true, false, true])],
    ["a.string", md.stringArray(["", "a", "Ġthe", "日本語", "x".repeat(40), "\uFEFF"])],
    ["a.empty.string", md.stringArray([])],
    ["a.empty.float32", md.float32Array([])],
  ];
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function someTensors(): GgufWriteTensor[] {
  return [
    { name: "token_embd.weight", type: GgmlType.F32, dims: [4, 3], data: f32Bytes([...Array(12).keys()]) },
    { name: "f16", type: GgmlType.F16, dims: [5], data: filled(10, 1) },
    { name: "q8", type: GgmlType.Q8_0, dims: [64, 2], data: filled(2 * 2 * 34, 2) },
    { name: "q4k", type: GgmlType.Q4_K, dims: [256, 1, 1, 1], data: filled(144, 3) },
    { name: "iq2", type: GgmlType.IQ2_XXS, dims: [256], data: filled(66, 4) },
    { name: "scalar", type: GgmlType.I32, dims: [], data: filled(4, 5) },
    { name: "empty.a", type: GgmlType.F32, dims: [0, 4], data: new Uint8Array(0) },
    { name: "empty.b", type: GgmlType.F32, dims: [0], data: new Uint8Array(0) },
  ];
}

async function parse(bytes: Uint8Array, chunkSize?: number) {
  return parseGgufHeader(bufferSource(bytes), chunkSize === undefined ? {} : { chunkSize });
}

function expectedMetadata(entries: [string, GgufMetadataEntry][]): GgufMetadata {
  const m: GgufMetadata = new Map();
  for (const [k, e] of entries) m.set(k, e.type === T.ARRAY ? { type: e.type, arrayType: e.arrayType!, value: e.value } : { type: e.type, value: e.value });
  return m;
}

describe("encodeGguf → parseGgufHeader", () => {
  for (const version of [2, 3] as const) {
    for (const chunkSize of [undefined, 5]) {
      it(`round-trips every value type (v${version}, chunk ${chunkSize ?? "default"})`, async () => {
        const entries = everyType();
        const bytes = encodeGguf({ metadata: entries, tensors: [], version });
        const h = await parse(bytes, chunkSize);
        assert.equal(h.version, version);
        assert.deepEqual(h.metadata, expectedMetadata(entries));
        assert.deepEqual([...h.metadata.keys()], entries.map(([k]) => k), "file order is kept");
        assert.equal(h.alignment, 32);
        assert.equal(h.tensors.length, 0);
        // With no tensors llama.cpp puts the data section right after the header, unpadded.
        assert.equal(h.dataOffset, bytes.length);
        assert.equal(h.fileSize, bytes.length);
      });
    }
  }

  it("decodes numeric arrays to typed arrays and 64-bit integers to bigint", async () => {
    const h = await parse(encodeGguf({ metadata: everyType(), tensors: [] }));
    assert.ok(h.metadata.get("a.float32")!.value instanceof Float32Array);
    assert.ok(h.metadata.get("a.int64")!.value instanceof BigInt64Array);
    assert.ok(h.metadata.get("a.bool")!.value instanceof Array);
    assert.equal(typeof h.metadata.get("t.uint64.small")!.value, "bigint");
    assert.equal(h.metadata.get("t.string.unicode")!.value, everyType()[2]![1].value, "BOM is kept");
  });

  for (const alignment of [undefined, 1, 8, 64, 4096]) {
    it(`lays tensors out back to back with alignment ${alignment ?? "default"}`, async () => {
      const tensors = someTensors();
      const bytes = encodeGguf({ metadata: [["general.architecture", md.string("llama")]], tensors, ...(alignment ? { alignment } : {}) });
      const a = alignment ?? 32;
      for (const chunkSize of [undefined, 3]) {
        const h = await parse(bytes, chunkSize);
        assert.equal(h.alignment, a);
        const written = h.metadata.get("general.alignment");
        if (a === 32) assert.equal(written, undefined, "default alignment is not written");
        else assert.deepEqual(written, { type: T.UINT32, value: a });
        assert.equal(h.dataOffset % a, 0);
        let expected = 0;
        h.tensors.forEach((info, i) => {
          const t = tensors[i]!;
          assert.equal(info.name, t.name);
          assert.deepEqual(info.dims, t.dims);
          assert.equal(info.type, t.type);
          assert.equal(info.offset, expected);
          assert.equal(info.fileOffset, h.dataOffset + info.offset);
          const data = t.data as Uint8Array;
          assert.equal(info.nBytes, data.length);
          assert.deepEqual(bytes.subarray(info.fileOffset, info.fileOffset + info.nBytes), data);
          expected += Math.ceil(data.length / a) * a;
        });
        assert.equal(bytes.length, h.dataOffset + expected, "every tensor, the last included, is padded");
        assert.deepEqual(
          h.tensors.map((t) => t.nElements),
          [12, 5, 128, 256, 256, 1, 0, 0],
        );
      }
    });
  }

  it("keeps an explicit general.alignment of 32 and rejects a conflicting option", async () => {
    const metadata: [string, GgufMetadataEntry][] = [["general.alignment", md.uint32(32)]];
    const h = await parse(encodeGguf({ metadata, tensors: someTensors() }));
    assert.deepEqual(h.metadata.get("general.alignment"), { type: T.UINT32, value: 32 });
    assert.throws(() => encodeGguf({ metadata, tensors: [], alignment: 64 }), /disagrees/);
    const h64 = await parse(encodeGguf({ metadata: [["general.alignment", md.uint32(64)]], tensors: someTensors() }));
    assert.equal(h64.alignment, 64);
  });
});

describe("writer validation", () => {
  const one = (over: Partial<GgufWriteTensor>): GgufWriteTensor[] => [
    { name: "w", type: GgmlType.F32, dims: [4], data: new Uint8Array(16), ...over },
  ];

  it("names the tensor whose data has the wrong length", () => {
    assert.throws(() => encodeGguf({ metadata: [], tensors: one({ data: new Uint8Array(15) }) }), /Tensor "w" has 15 bytes of data .* needs 16/);
  });

  it("rejects bad tensor descriptors", () => {
    assert.throws(() => encodeGguf({ metadata: [], tensors: one({ type: GgmlType.Q8_0 }) }), /not a multiple of the Q8_0 block size 32/);
    assert.throws(() => encodeGguf({ metadata: [], tensors: one({ dims: [1, 1, 1, 1, 4] }) }), /5 dimensions/);
    assert.throws(() => encodeGguf({ metadata: [], tensors: one({ name: "n".repeat(64) }) }), /64 bytes long/);
    assert.throws(() => encodeGguf({ metadata: [], tensors: one({ type: 4 as GgmlType }) }), /unknown ggml type id 4/);
    assert.throws(() => encodeGguf({ metadata: [], tensors: [...one({}), ...one({})] }), /Duplicate tensor name "w"/);
    assert.throws(() => encodeGguf({ metadata: [], tensors: one({ data: () => new Uint8Array(16) }) }), /needs in-memory data/);
  });

  it("rejects bad metadata", () => {
    const enc = (metadata: [string, GgufMetadataEntry][]) => () => encodeGguf({ metadata, tensors: [] });
    assert.throws(enc([["k", md.uint8(256)]]), /value 256 is not a UINT8/);
    assert.throws(enc([["k", md.int32(1.5)]]), /not a INT32/);
    assert.throws(enc([["k", md.uint64(-1)]]), /not a UINT64/);
    assert.throws(enc([["k", { type: T.ARRAY, arrayType: T.ARRAY, value: [] as string[] }]]), /nested arrays/);
    assert.throws(enc([["k", { type: T.ARRAY, value: [] as string[] }]]), /no arrayType/);
    assert.throws(enc([["k", { type: T.ARRAY, arrayType: T.UINT8, value: [1, 300] as unknown as Uint8Array }]]), /element 1: value 300/);
    assert.throws(enc([["", md.bool(true)]]), /non-empty/);
    assert.throws(enc([["k", md.bool(true)], ["k", md.bool(false)]]), /Duplicate metadata key "k"/);
    assert.throws(enc([["general.alignment", md.uint32(48)]]), /Alignment 48 is not a power of two/);
    assert.throws(enc([["general.alignment", md.uint64(32)]]), /must be UINT32/);
    assert.throws(() => encodeGguf({ metadata: [], tensors: [], version: 1 as 2 }), /version 1 cannot be written/);
  });

  it("accepts plain number arrays for numeric array entries", async () => {
    const value = [1, 2, 3] as unknown as Uint16Array;
    const h = await parse(encodeGguf({ metadata: [["k", { type: T.ARRAY, arrayType: T.UINT16, value }]], tensors: [] }));
    assert.deepEqual(h.metadata.get("k")!.value, new Uint16Array([1, 2, 3]));
  });
});
