// Corrupt-input tests for parseGgufHeader: every truncation, huge lengths and counts in every
// length field, and one targeted corruption per rule, each of which must fail fast with a
// GgufParseError that names the problem (never a RangeError, a giant allocation or a hang).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GgufParseError } from "../errors.js";
import { bufferSource } from "./byte-source.js";
import { ByteWriter } from "./byte-writer.js";
import { md } from "./metadata.js";
import { parseGgufHeader } from "./parse.js";
import { GgmlType, GgufValueType as T } from "./types.js";
import { encodeGguf } from "./writer.js";

/**
 * A small valid v3 file written by hand (not by the writer, so the two cross-check), recording
 * where each field sits so tests can corrupt it. Both F32 tensors are 32 bytes, so the file ends
 * exactly where the last tensor's data ends.
 */
function fixture() {
  const w = new ByteWriter();
  const at: Record<string, number> = {};
  const lengthFields: [string, number][] = [];
  const len = (name: string) => lengthFields.push([name, (at[name] = w.length)]);
  w.bytes(new Uint8Array([0x47, 0x47, 0x55, 0x46]));
  w.u32(3);
  len("tensor_count");
  w.u64(2);
  len("kv_count");
  w.u64(7);
  const key = (k: string) => {
    len(`key:${k}`);
    w.string(k);
    at[`type:${k}`] = w.length;
  };
  key("general.architecture");
  w.u32(T.STRING);
  len("value:general.architecture");
  w.string("llama");
  key("general.alignment");
  w.u32(T.UINT32);
  at["value:general.alignment"] = w.length;
  w.u32(32);
  key("fuzz.count");
  w.u32(T.UINT64);
  w.u64(7);
  key("fuzz.flag");
  w.u32(T.BOOL);
  w.u8(1);
  key("fuzz.ints");
  w.u32(T.ARRAY);
  at["array_type:fuzz.ints"] = w.length;
  w.u32(T.INT32);
  len("length:fuzz.ints");
  w.u64(3);
  for (const v of [1, -2, 3]) w.i32(v);
  key("fuzz.words");
  w.u32(T.ARRAY);
  at["array_type:fuzz.words"] = w.length;
  w.u32(T.STRING);
  len("length:fuzz.words");
  w.u64(3);
  ["alpha", "béta", "a longer word past sixteen bytes"].forEach((s, i) => {
    len(`word:${i}`);
    w.string(s);
  });
  key("fuzz.scale");
  w.u32(T.FLOAT32);
  w.f32(0.5);

  const tensor = (i: number, name: string, dims: number[], offset: number) => {
    len(`name:${i}`);
    w.string(name);
    at[`n_dims:${i}`] = w.length;
    w.u32(dims.length);
    dims.forEach((d, j) => {
      len(`dims:${i}:${j}`);
      w.u64(d);
    });
    at[`type:${i}`] = w.length;
    w.u32(GgmlType.F32);
    len(`offset:${i}`);
    w.u64(offset);
  };
  tensor(0, "tensor.one", [4, 2], 0);
  tensor(1, "tensor.two", [8], 32);
  w.zeros(32 - (w.length % 32));
  const dataOffset = w.length;
  for (let i = 0; i < 64; i++) w.u8(i);
  return { bytes: w.result().slice(), at, lengthFields, dataOffset };
}

const fx = fixture();

function patched(edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = fx.bytes.slice();
  edit(new DataView(bytes.buffer), bytes);
  return bytes;
}

async function rejects(bytes: Uint8Array, pattern: RegExp, field?: string, chunkSize?: number): Promise<GgufParseError> {
  try {
    await parseGgufHeader(bufferSource(bytes), chunkSize === undefined ? {} : { chunkSize });
  } catch (err) {
    assert.ok(err instanceof GgufParseError, `expected GgufParseError, got ${String(err)}`);
    assert.match(err.message, pattern);
    if (field !== undefined) assert.equal(err.field, field);
    return err;
  }
  assert.fail(`parse succeeded, expected ${pattern}`);
}

describe("hardening: the fixture", () => {
  it("is what the writer produces for the same content", async () => {
    const fromWriter = encodeGguf({
      metadata: [
        ["general.architecture", md.string("llama")],
        ["general.alignment", md.uint32(32)],
        ["fuzz.count", md.uint64(7)],
        ["fuzz.flag", md.bool(true)],
        ["fuzz.ints", md.int32Array([1, -2, 3])],
        ["fuzz.words", md.stringArray(["alpha", "béta", "a longer word past sixteen bytes"])],
        ["fuzz.scale", md.float32(0.5)],
      ],
      tensors: [
        { name: "tensor.one", type: GgmlType.F32, dims: [4, 2], data: fx.bytes.slice(fx.dataOffset, fx.dataOffset + 32) },
        { name: "tensor.two", type: GgmlType.F32, dims: [8], data: fx.bytes.slice(fx.dataOffset + 32) },
      ],
    });
    assert.deepEqual(fromWriter, fx.bytes);
    const h = await parseGgufHeader(bufferSource(fx.bytes));
    assert.equal(h.dataOffset, fx.dataOffset);
    assert.equal(h.tensors[1]!.fileOffset + h.tensors[1]!.nBytes, fx.bytes.length);
  });
});

describe("hardening: truncation", () => {
  for (const chunkSize of [undefined, 7]) {
    it(`rejects every truncated length 0..${fx.bytes.length - 1} (chunk ${chunkSize ?? "default"})`, async () => {
      for (let n = 0; n < fx.bytes.length; n++) {
        // Header cuts fail wherever the first check notices; data-only cuts must hit the tensor-bounds check.
        const pattern = n >= fx.dataOffset ? /Tensor "tensor\.(one|two)" data .* runs past the end of the file/ : /./;
        await rejects(fx.bytes.subarray(0, n), pattern, undefined, chunkSize);
      }
    });
  }

  it("names the field and byte offset where the file ends", async () => {
    const cut = fx.at["length:fuzz.words"]! + 4;
    const err = await rejects(fx.bytes.subarray(0, cut), /truncated: 8 bytes needed but only 4 left/, `kv["fuzz.words"].length`);
    assert.equal(err.offset, fx.at["length:fuzz.words"]);
    await rejects(fx.bytes.subarray(0, fx.at["dims:1:0"]! + 3), /truncated/, "tensor_infos[1].dims[0]");
    await rejects(fx.bytes.subarray(0, fx.at["word:2"]! + 12), /String length 32 runs past the end of the file \(4 bytes left\)/, `kv["fuzz.words"][2]`);
  });
});

describe("hardening: huge lengths and counts", () => {
  const huge = [2n ** 63n - 1n, 2n ** 40n, 0xffffffffn, 2n ** 64n - 1n, 2n ** 53n + 1n];
  for (const [name, pos] of fx.lengthFields) {
    it(`rejects huge values in ${name}`, async () => {
      for (const v of huge) {
        const bytes = patched((dv) => dv.setBigUint64(pos, v, true));
        const before = process.memoryUsage().arrayBuffers;
        const t0 = performance.now();
        await rejects(bytes, /./);
        assert.ok(performance.now() - t0 < 250, `${name}=${v} took too long`);
        assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20, `${name}=${v} allocated too much`);
      }
    });
  }

  it("turns a failed allocation in a huge file into a parse error", async () => {
    // A 1 TiB "file" whose declared array fits in it, but whose read cannot be allocated.
    const bytes = patched((dv) => dv.setBigUint64(fx.at["length:fuzz.ints"]!, 1n << 30n, true));
    const src = {
      size: 2 ** 40,
      async read(offset: number, length: number) {
        if (length > 64 << 20) throw new RangeError("Array buffer allocation failed");
        const out = new Uint8Array(length);
        out.set(bytes.subarray(offset, offset + length));
        return out;
      },
    };
    await assert.rejects(
      parseGgufHeader(src),
      (err) => err instanceof GgufParseError && /Array of 1073741824 INT32 values could not be allocated/.test(err.message),
    );
  });

  it("explains which limit a count breaks", async () => {
    await rejects(patched((dv) => dv.setBigUint64(fx.at.tensor_count!, 2n ** 40n, true)), /Tensor count 1099511627776 exceeds the limit/, "tensor_count");
    await rejects(patched((dv) => dv.setBigUint64(fx.at.kv_count!, 0xffffffffn, true)), /Metadata count 4294967295 exceeds/, "kv_count");
    await rejects(patched((dv) => dv.setBigUint64(fx.at.kv_count!, 1000n, true)), /1000 metadata pairs .* need at least/, "kv_count");
    await rejects(patched((dv) => dv.setBigUint64(fx.at["length:fuzz.words"]!, 2n ** 63n - 1n, true)), /Array length 9223372036854775807 exceeds/, `kv["fuzz.words"].length`);
    await rejects(patched((dv) => dv.setBigUint64(fx.at["length:fuzz.ints"]!, 1n << 20n, true)), /Array of 1048576 INT32 values needs at least 4194304 bytes/);
    await rejects(patched((dv) => dv.setBigUint64(fx.at["word:1"]!, 0xffffffffn, true)), /String length 4294967295 exceeds the limit/, `kv["fuzz.words"][1]`);
    await rejects(patched((dv) => dv.setBigUint64(fx.at["word:1"]!, 100000n, true)), /String length 100000 runs past the end/);
    await rejects(patched((dv) => dv.setBigUint64(fx.at["name:1"]!, 64n, true)), /Tensor name length 64 exceeds the limit of 63/, "tensor_infos[1].name");
    await rejects(patched((dv) => dv.setBigUint64(fx.at["dims:1:0"]!, 2n ** 63n - 1n, true)), /dimension 0 is 9223372036854775807, which is out of range/, "tensor_infos[1].dims[0]");
    await rejects(patched((dv) => dv.setBigUint64(fx.at["dims:0:1"]!, 2n ** 50n, true)), /is too large/);
    await rejects(patched((dv) => dv.setBigUint64(fx.at["offset:1"]!, 2n ** 40n, true)), /Tensor "tensor.two" data .* runs past the end of the file/, "tensor_infos[1].offset");
  });
});

describe("hardening: targeted corruptions", () => {
  const u32At = (key: string, v: number) => patched((dv) => dv.setUint32(fx.at[key]!, v, true));

  it("bad magic", async () => {
    await rejects(patched((_, b) => b.set([0x47, 0x47, 0x4d, 0x4c], 0)), /Bad magic "GGML", expected "GGUF"/, "magic");
  });

  it("unsupported and byte-swapped versions", async () => {
    await rejects(patched((dv) => dv.setUint32(4, 1, true)), /version 1 is no longer supported/, "version");
    await rejects(patched((dv) => dv.setUint32(4, 4, true)), /version 4 is newer than the supported versions 2 and 3/);
    await rejects(patched((dv) => dv.setUint32(4, 0, true)), /Bad GGUF version 0/);
    await rejects(patched((dv) => dv.setUint32(4, 3, false)), /0x03000000 looks byte-swapped: the file is probably big-endian/);
  });

  it("unknown value and array element types", async () => {
    await rejects(u32At("type:fuzz.flag", 13), /Unknown value type 13 for metadata key "fuzz.flag"/, `kv["fuzz.flag"].type`);
    await rejects(u32At("array_type:fuzz.ints", 99), /Unknown array element type 99/, `kv["fuzz.ints"].array_type`);
  });

  it("nested array", async () => {
    await rejects(u32At("array_type:fuzz.ints", T.ARRAY), /"fuzz.ints" is a nested array/);
  });

  it("duplicate and empty keys", async () => {
    // "fuzz.flag" and "fuzz.ints" have the same length, so one can be overwritten with the other.
    const dup = patched((_, b) => b.set(new TextEncoder().encode("fuzz.ints"), fx.at["key:fuzz.flag"]! + 8));
    await rejects(dup, /Duplicate metadata key "fuzz.ints"/, `kv["fuzz.ints"]`);
    await rejects(patched((dv) => dv.setBigUint64(fx.at["key:fuzz.count"]!, 0n, true)), /Metadata key 2 is empty/, "kv[2].key");
  });

  it("bad alignment", async () => {
    await rejects(u32At("value:general.alignment", 48), /Alignment 48 is not a power of two/, `kv["general.alignment"]`);
    await rejects(u32At("value:general.alignment", 0), /Alignment 0 is not a power of two/);
    await rejects(u32At("type:general.alignment", T.INT32), /"general.alignment" must be UINT32 but is INT32/);
  });

  it("misaligned tensor offset", async () => {
    await rejects(patched((dv) => dv.setBigUint64(fx.at["offset:1"]!, 36n, true)), /offset 36 is not a multiple of the alignment 32/, "tensor_infos[1].offset");
  });

  it("tensor past the end of the file", async () => {
    await rejects(patched((dv) => dv.setBigUint64(fx.at["offset:1"]!, 64n, true)), /"tensor.two" data \(32 bytes at byte \d+\) runs past the end of the file/);
  });

  it("row length not a multiple of the block size", async () => {
    await rejects(u32At("type:1", GgmlType.Q8_0), /"tensor.two" has 8 elements per row, not a multiple of the Q8_0 block size 32/, "tensor_infos[1].dims[0]");
  });

  it("overlapping tensors", async () => {
    await rejects(patched((dv) => dv.setBigUint64(fx.at["offset:1"]!, 0n, true)), /"tensor.two" data \(offset 0\) overlaps tensor "tensor.one"/);
  });

  it("unknown ggml type, too many dimensions, duplicate tensor name", async () => {
    await rejects(u32At("type:0", 4), /"tensor.one" has unknown ggml type id 4/, "tensor_infos[0].type");
    await rejects(u32At("type:0", 1000), /unknown ggml type id 1000/);
    await rejects(u32At("n_dims:0", 5), /"tensor.one" has 5 dimensions, at most 4/, "tensor_infos[0].n_dims");
    const dup = patched((_, b) => b.set(new TextEncoder().encode("tensor.one"), fx.at["name:1"]! + 8));
    await rejects(dup, /Duplicate tensor name "tensor.one"/, "tensor_infos[1].name");
  });
});
