// Split GGUF models: shard naming as llama.cpp spells it, writeGgufSplit's layout (shard 0 holds
// the metadata, every shard its split.* keys), opening from any shard into one tensor index with
// the same bytes as the single file, and clear errors for missing or mismatched shards.

import assert from "node:assert/strict";
import { mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ModelFormatError } from "../errors.js";
import { GgufFile } from "./gguf-file.js";
import { md, metaNumber, metaString } from "./metadata.js";
import { parseSplitName, splitName } from "./split.js";
import { planShards, writeGgufSplit } from "./split-writer.js";
import { GgmlType, type GgufMetadataEntry } from "./types.js";
import { writeGguf, type GgufWriteTensor } from "./writer.js";

let dir: string;
const metadata: [string, GgufMetadataEntry][] = [
  ["general.architecture", md.string("llama")],
  ["general.name", md.string("split test")],
];
// Ten F32 tensors of 1000 bytes (padded to 1024 in the data section) with distinct contents.
const tensors: GgufWriteTensor[] = Array.from({ length: 10 }, (_, i) => ({
  name: `t${i}`,
  type: GgmlType.F32,
  dims: [250],
  data: new Uint8Array(new Float32Array(250).map((_, k) => i * 1000 + k).buffer),
}));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-ts-split-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("split names", () => {
  it("formats and parses llama.cpp's -NNNNN-of-NNNNN.gguf names", () => {
    assert.equal(splitName("/m/model", 0, 3), "/m/model-00001-of-00003.gguf");
    assert.deepEqual(parseSplitName("/m/model-00002-of-00003.gguf"), { prefix: "/m/model", index: 1, count: 3, suffix: "" });
    assert.deepEqual(parseSplitName("https://h/x/m-00001-of-00002.gguf?download=1"), { prefix: "https://h/x/m", index: 0, count: 2, suffix: "?download=1" });
    assert.equal(parseSplitName("model.gguf"), undefined);
    assert.equal(parseSplitName("m-00004-of-00003.gguf"), undefined);
    assert.equal(parseSplitName("m-00000-of-00003.gguf"), undefined);
  });

  it("plans shards by padded tensor bytes and tensor count, one tensor at least", () => {
    assert.deepEqual(planShards(tensors, 3 * 1024, Infinity).map((g) => g.length), [3, 3, 3, 1]);
    assert.deepEqual(planShards(tensors, 100, Infinity).map((g) => g.length), Array(10).fill(1));
    assert.deepEqual(planShards(tensors, Infinity, 4).map((g) => g.length), [4, 4, 2]);
  });
});

describe("writeGgufSplit and GgufFile.open", () => {
  it("writes shards that open as one model from any shard, with identical tensor bytes", async () => {
    const single = join(dir, "single.gguf");
    await writeGguf(single, { metadata, tensors });
    const paths = await writeGgufSplit(join(dir, "model.gguf"), { metadata, tensors }, { maxShardBytes: 4 * 1024 });
    assert.deepEqual(paths, [1, 2, 3].map((i) => join(dir, `model-0000${i}-of-00003.gguf`)));

    const one = await GgufFile.open(single);
    for (const start of paths) {
      const f = await GgufFile.open(start);
      try {
        assert.equal(f.shards.length, 3);
        assert.equal(metaString(f.metadata, "general.name"), "split test");
        assert.equal(metaNumber(f.metadata, "split.count"), 3);
        assert.deepEqual(f.tensors.map((t) => t.name), tensors.map((t) => t.name));
        assert.deepEqual(f.tensors.map((t) => t.shard), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
        for (const t of f.tensors) assert.deepEqual(await f.readTensor(t), await one.readTensor(one.tensor(t.name)!));
      } finally {
        await f.close();
      }
    }
    await one.close();
    // Only shard 0 carries the model metadata; the others carry the split keys alone.
    const second = await GgufFile.fromBytes(new Uint8Array(await (await import("node:fs/promises")).readFile(paths[1]!)));
    assert.deepEqual([...second.metadata.keys()], ["split.no", "split.count", "split.tensors.count"]);
    assert.equal(metaNumber(second.metadata, "split.no"), 1);
    assert.equal(metaNumber(second.metadata, "split.tensors.count"), 10);
  });

  it("names a missing shard", async () => {
    const paths = await writeGgufSplit(join(dir, "gap"), { metadata, tensors }, { maxShardTensors: 5 });
    await rename(paths[1]!, `${paths[1]}.moved`);
    await assert.rejects(GgufFile.open(paths[0]!), (e: Error) => e instanceof ModelFormatError && e.message === `Shard 2 of 2 is missing: "${paths[1]}" was not found`);
  });

  it("refuses shards that do not belong together", async () => {
    const a = await writeGgufSplit(join(dir, "a"), { metadata, tensors }, { maxShardTensors: 5 });
    const b = await writeGgufSplit(join(dir, "b"), { metadata, tensors: tensors.slice(0, 6).map((t) => ({ ...t, name: `u${t.name}` })) }, { maxShardTensors: 3 });
    // b's second shard put in place of a's: its split.tensors.count and tensors disagree.
    await rename(b[1]!, a[1]!);
    await assert.rejects(GgufFile.open(a[0]!), /announces 10 tensors \(split.tensors.count\) but its 2 shards hold 8/);
  });

  it("refuses a shard whose name and metadata disagree, or whose name hides its siblings", async () => {
    const paths = await writeGgufSplit(join(dir, "c"), { metadata, tensors }, { maxShardTensors: 4 });
    await rename(paths[0]!, join(dir, "c-00002-of-00003.gguf.tmp"));
    await rename(paths[1]!, join(dir, "c-00001-of-00003.gguf"));
    await rename(join(dir, "c-00002-of-00003.gguf.tmp"), join(dir, "c-00002-of-00003.gguf"));
    await assert.rejects(GgufFile.open(paths[0]!), /named shard 1 of 3 but its metadata says shard 2 of 3/);
    await rename(join(dir, "c-00002-of-00003.gguf"), join(dir, "renamed.gguf"));
    await assert.rejects(GgufFile.open(join(dir, "renamed.gguf")), /is shard 1 of a model split in 3 files, but its name does not end in "-00001-of-00003.gguf"/);
  });

  it("refuses the same tensor in two shards and a bad split.count", async () => {
    const p = join(dir, "dup");
    const keys = (no: number): [string, GgufMetadataEntry][] => [["split.no", md.uint16(no)], ["split.count", md.uint16(2)], ["split.tensors.count", md.int32(2)]];
    await writeGguf(`${p}-00001-of-00002.gguf`, { metadata: [...metadata, ...keys(0)], tensors: [tensors[0]!] });
    await writeGguf(`${p}-00002-of-00002.gguf`, { metadata: keys(1), tensors: [tensors[0]!] });
    await assert.rejects(GgufFile.open(`${p}-00001-of-00002.gguf`), /Tensor "t0" appears in both shard 1 and shard 2/);
    const bad = join(dir, "bad.gguf");
    await writeGguf(bad, { metadata: [...metadata, ["split.count", md.uint16(0)]], tensors: [tensors[0]!] });
    await assert.rejects(GgufFile.open(bad), /"split.count" is 0, expected 1 to 65535/);
  });
});
