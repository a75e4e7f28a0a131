// writeGguf → GgufFile.open → readTensor on real files in a temp dir: lazy tensor data, the
// tmp-then-rename protocol, one fresh buffer per tensor, and the file byte source's edges.

import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GgufParseError } from "../errors.js";
import { bufferSource } from "./byte-source.js";
import { fileSource } from "./file-source.js";
import { GgufFile } from "./gguf-file.js";
import { md } from "./metadata.js";
import { GgmlType } from "./types.js";
import { encodeGguf, writeGguf, type GgufWriteTensor } from "./writer.js";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "gguf-file-test-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff;
  return b;
}

function tensors(): GgufWriteTensor[] {
  return [
    { name: "a", type: GgmlType.F32, dims: [3, 5], data: pattern(60, 1) },
    // Lazy producers, sync and async, as model synthesis uses them.
    { name: "b", type: GgmlType.Q8_0, dims: [32, 3], data: () => pattern(102, 2) },
    { name: "c", type: GgmlType.F16, dims: [7], data: async () => pattern(14, 3) },
  ];
}

const metadata = [
  ["general.architecture", md.string("llama")],
  ["llama.block_count", md.uint32(2)],
] as const;

describe("GgufFile", () => {
  it("reads back what writeGguf wrote, one fresh buffer per tensor", async () => {
    const path = join(dir, "model.gguf");
    await writeGguf(path, { metadata, tensors: tensors(), alignment: 64 });
    assert.deepEqual(await readdir(dir), ["model.gguf"], "no tmp file is left behind");

    const f = await GgufFile.open(path);
    try {
      assert.equal(f.path, path);
      assert.equal(f.header.alignment, 64);
      assert.equal(f.metadata.get("general.architecture")?.value, "llama");
      assert.deepEqual(f.tensors.map((t) => t.name), ["a", "b", "c"]);
      assert.equal(f.tensor("missing"), undefined);
      const expected = [pattern(60, 1), pattern(102, 2), pattern(14, 3)];
      for (const [i, name] of ["a", "b", "c"].entries()) {
        const info = f.tensor(name)!;
        assert.equal(info.fileOffset % 64, 0);
        const bytes = await f.readTensor(info);
        assert.deepEqual(bytes, expected[i]);
        assert.equal(bytes.byteOffset, 0);
        assert.equal(bytes.buffer.byteLength, info.nBytes, "the buffer holds exactly this tensor");
      }
      // A Float32Array view needs no copy.
      assert.equal(new Float32Array((await f.readTensor(f.tensor("a")!)).buffer).length, 15);
    } finally {
      await f.close();
    }
    await f.close(); // idempotent
    await assert.rejects(f.readTensor(f.tensor("a")!), /closed/);
  });

  it("matches encodeGguf byte for byte", async () => {
    const path = join(dir, "same.gguf");
    await writeGguf(path, { metadata, tensors: tensors(), version: 2 });
    const inMemory = encodeGguf({
      metadata,
      tensors: await Promise.all(tensors().map(async (t) => ({ ...t, data: typeof t.data === "function" ? await t.data() : t.data }))),
      version: 2,
    });
    const src = await fileSource(path);
    try {
      assert.equal(src.size, inMemory.length);
      assert.deepEqual(await src.read(0, src.size), inMemory);
    } finally {
      await src.close();
    }
  });

  it("fromBytes gives copies, not views of the input", async () => {
    const bytes = encodeGguf({ metadata, tensors: [{ name: "a", type: GgmlType.F32, dims: [2], data: pattern(8, 9) }] });
    const f = await GgufFile.fromBytes(bytes);
    assert.equal(f.path, undefined);
    const t = await f.readTensor(f.tensor("a")!);
    assert.deepEqual(t, pattern(8, 9));
    assert.notEqual(t.buffer, bytes.buffer);
    await f.close();
  });

  it("refuses to read a tensor outside the file", async () => {
    const f = await GgufFile.fromBytes(encodeGguf({ metadata, tensors: [] }));
    const fake = { name: "x", dims: [4], type: GgmlType.F32, offset: 0, fileOffset: 1 << 20, nElements: 4, nBytes: 16 };
    await assert.rejects(f.readTensor(fake), (err) => err instanceof GgufParseError && /lies outside the file/.test(err.message));
  });

  it("fails a lazy tensor of the wrong length without leaving any file", async () => {
    const path = join(dir, "bad.gguf");
    const bad = tensors();
    bad[1] = { ...bad[1]!, data: () => pattern(100, 2) };
    await assert.rejects(writeGguf(path, { metadata, tensors: bad }), /Tensor "b" has 100 bytes of data but its Q8_0 shape \[32, 3\] needs 102/);
    const left = (await readdir(dir)).filter((n) => n.startsWith("bad.gguf"));
    assert.deepEqual(left, []);
  });

  it("rejects a file that is not GGUF and reports it as a parse error", async () => {
    const path = join(dir, "not.gguf");
    await writeFile(path, "hello, this is not a model file");
    await assert.rejects(GgufFile.open(path), (err) => err instanceof GgufParseError && err.field === "magic");
  });
});

describe("byte sources", () => {
  it("bufferSource returns owned copies and checks ranges", async () => {
    const data = pattern(100, 0);
    const src = bufferSource(data);
    const r = await src.read(10, 5);
    assert.deepEqual(r, data.subarray(10, 15));
    r[0] = 99;
    assert.equal(data[10], 130);
    await assert.rejects(src.read(98, 5), /runs past the end of the buffer \(100 bytes\)/);
    await assert.rejects(src.read(-1, 1), RangeError);
  });

  it("fileSource reads exact ranges and refuses reads past the end", async () => {
    const path = join(dir, "raw.bin");
    await writeFile(path, pattern(1000, 4));
    const src = await fileSource(path);
    try {
      assert.equal(src.size, 1000);
      assert.deepEqual(await src.read(900, 100), pattern(1000, 4).subarray(900));
      assert.equal((await src.read(0, 0)).length, 0);
      await assert.rejects(src.read(990, 20), /runs past the end of file ".*raw.bin" \(1000 bytes\)/);
    } finally {
      await src.close();
    }
    await assert.rejects(src.read(0, 1), /closed/);
  });
});
