// Metadata accessors (width-lenient numbers, strict types with ModelFormatError) and the JSON view
// used by `inspect --json`.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ModelFormatError } from "../errors.js";
import {
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
} from "./metadata.js";
import { GgufValueType, type GgufMetadata } from "./types.js";

const m: GgufMetadata = new Map([
  ["general.architecture", md.string("llama")],
  ["llama.block_count", md.uint32(16)],
  ["llama.context_length", md.uint64(131072n)],
  ["llama.huge", md.uint64(2n ** 60n)],
  ["llama.neg", md.int64(-5)],
  ["llama.eps", md.float32(1e-5)],
  ["llama.small", md.int8(-3)],
  ["flag", md.bool(true)],
  ["tokens", md.stringArray(Array.from({ length: 40 }, (_, i) => `t${i}`))],
  ["scores", md.float32Array([0.5, -1])],
  ["types", md.int32Array([1, 3, 6])],
  ["types.u8", md.uint8Array([1, 2])],
  ["too.wide", md.uint32Array([0xffffffff])],
  ["big.array", md.uint64Array([1n, 2n ** 63n])],
  ["weird", md.float64(NaN)],
]);

const isFormat = (re: RegExp) => (err: unknown) => err instanceof ModelFormatError && re.test(err.message);

describe("metadata accessors", () => {
  it("reads numbers of any width", () => {
    assert.equal(metaNumber(m, "llama.block_count"), 16);
    assert.equal(metaNumber(m, "llama.context_length"), 131072);
    assert.equal(metaNumber(m, "llama.neg"), -5);
    assert.equal(metaNumber(m, "llama.eps"), Math.fround(1e-5));
    assert.equal(metaNumber(m, "llama.small"), -3);
    assert.equal(metaNumber(m, "absent"), undefined);
    assert.throws(() => metaNumber(m, "llama.huge"), isFormat(/does not fit a JavaScript number exactly/));
  });

  it("rejects the wrong type with ModelFormatError", () => {
    assert.throws(() => metaNumber(m, "general.architecture"), isFormat(/"general.architecture" has type STRING, expected a number/));
    assert.throws(() => metaString(m, "llama.block_count"), isFormat(/has type UINT32, expected STRING/));
    assert.throws(() => metaBool(m, "llama.block_count"), isFormat(/expected BOOL/));
    assert.throws(() => metaStringArray(m, "scores"), isFormat(/has type ARRAY of FLOAT32, expected ARRAY of STRING/));
    assert.throws(() => metaArray(m, "flag"), isFormat(/expected an array/));
    assert.throws(() => metaInt32Array(m, "scores"), isFormat(/expected ARRAY of INT32/));
  });

  it("reads strings, bools and arrays", () => {
    assert.equal(metaString(m, "general.architecture"), "llama");
    assert.equal(metaBool(m, "flag"), true);
    assert.equal(metaStringArray(m, "tokens")?.[3], "t3");
    assert.equal(metaFloat32Array(m, "scores"), m.get("scores")!.value, "FLOAT32 arrays are returned as stored");
    assert.deepEqual(metaFloat32Array(m, "types"), new Float32Array([1, 3, 6]));
    assert.equal(metaInt32Array(m, "types"), m.get("types")!.value);
    assert.deepEqual(metaInt32Array(m, "types.u8"), new Int32Array([1, 2]));
    assert.throws(() => metaInt32Array(m, "too.wide"), isFormat(/does not fit an int32/));
    assert.deepEqual(metaArray<Uint8Array>(m, "types.u8"), new Uint8Array([1, 2]));
    assert.equal(metaStringArray(m, "absent"), undefined);
  });

  it("require* name the missing key", () => {
    assert.equal(requireMetaString(m, "general.architecture"), "llama");
    assert.equal(requireMetaNumber(m, "llama.block_count"), 16);
    assert.throws(() => requireMetaNumber(m, "llama.embedding_length"), isFormat(/^Missing metadata key "llama.embedding_length"$/));
    assert.throws(() => requireMetaString(m, "general.name"), isFormat(/^Missing metadata key "general.name"$/));
  });

  it("builders set the declared types", () => {
    assert.deepEqual(md.uint64(3), { type: GgufValueType.UINT64, value: 3n });
    assert.deepEqual(md.float32Array([1, 2]), { type: GgufValueType.ARRAY, arrayType: GgufValueType.FLOAT32, value: new Float32Array([1, 2]) });
    const f = new Float32Array(2);
    assert.equal(md.float32Array(f).value, f, "typed arrays are not copied");
  });
});

describe("metadataToJSON", () => {
  it("converts bigints, summarizes long arrays and survives JSON.stringify", () => {
    const j = metadataToJSON(m);
    assert.equal(j["llama.context_length"], 131072);
    assert.equal(j["llama.huge"], (2n ** 60n).toString());
    assert.deepEqual(j["scores"], [0.5, -1]);
    assert.deepEqual(j["big.array"], [1, (2n ** 63n).toString()]);
    assert.equal(j["weird"], "NaN");
    const tokens = j["tokens"] as { type: string; length: number; head: string[] };
    assert.equal(tokens.type, "STRING");
    assert.equal(tokens.length, 40);
    assert.deepEqual(tokens.head, Array.from({ length: 16 }, (_, i) => `t${i}`));
    assert.deepEqual(Object.keys(j), [...m.keys()]);
    assert.doesNotThrow(() => JSON.stringify(j));
  });

  it("lists whole arrays when maxArray is Infinity", () => {
    assert.equal((metadataToJSON(m, { maxArray: Infinity })["tokens"] as string[]).length, 40);
    assert.deepEqual(metadataToJSON(m, { maxArray: 1 })["scores"], { type: "FLOAT32", length: 2, head: [0.5] });
  });
});
