// Loading refuses what it cannot run, with errors that name the problem: another architecture,
// an unsupported tensor type (naming the tensor), a missing tensor, a wrong shape.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GgufFile } from "../../src/gguf/gguf-file.js";
import { md } from "../../src/gguf/metadata.js";
import { GgmlType, type GgufMetadataEntry } from "../../src/gguf/types.js";
import { writeGguf, type GgufWriteTensor } from "../../src/gguf/writer.js";
import { loadModel, loadModelFromBytes } from "../../src/model/model.js";
import { synthesizeModel } from "../../src/synth/synth.js";
import { ModelFormatError, UnsupportedError } from "../../src/errors.js";

let dir: string;
let metadata: [string, GgufMetadataEntry][];
let tensors: GgufWriteTensor[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "llama-ts-load-"));
  const base = join(dir, "base.gguf");
  await synthesizeModel(base, { preset: "tiny", type: "F16", vocab: "bytes", shape: { nLayer: 1 } });
  const file = await GgufFile.open(base);
  metadata = [...file.header.metadata];
  tensors = [];
  for (const t of file.header.tensors) tensors.push({ name: t.name, type: t.type, dims: t.dims, data: await file.readTensor(t) });
  await file.close();
});

async function variant(name: string, edit: (m: Map<string, GgufMetadataEntry>, t: GgufWriteTensor[]) => void): Promise<string> {
  const m = new Map(metadata);
  const t = tensors.map((x) => ({ ...x }));
  edit(m, t);
  const path = join(dir, `${name}.gguf`);
  await writeGguf(path, { metadata: m, tensors: t });
  return path;
}

describe("loadModel", () => {
  test("loads the unmodified file, from a path and from bytes", async () => {
    const path = await variant("ok", () => {});
    const a = await loadModel(path);
    const b = await loadModelFromBytes(new Uint8Array(await readFile(path)));
    assert.deepEqual(a.logits([1, 2, 3])[0], b.logits([1, 2, 3])[0]);
  });

  test("another architecture is an UnsupportedError naming it", async () => {
    const path = await variant("arch", (m) => m.set("general.architecture", md.string("qwen2")));
    await assert.rejects(loadModel(path), (e: Error) => e instanceof UnsupportedError && /Unsupported architecture "qwen2"/.test(e.message));
  });

  test("an unsupported tensor type names the type and the tensor", async () => {
    const path = await variant("iq", (_, t) => {
      const q = t.find((x) => x.name === "blk.0.attn_q.weight")!;
      q.type = GgmlType.IQ4_XS;
      q.data = new Uint8Array((256 / 256) * 136 * 256);
    });
    await assert.rejects(loadModel(path), /Unsupported tensor type IQ4_XS in tensor "blk.0.attn_q.weight"/);
  });

  test("a missing tensor is a ModelFormatError naming it", async () => {
    const path = await variant("missing", (_, t) => t.splice(t.findIndex((x) => x.name === "blk.0.ffn_up.weight"), 1));
    await assert.rejects(loadModel(path), (e: Error) => e instanceof ModelFormatError && /Missing tensor "blk.0.ffn_up.weight"/.test(e.message));
  });

  test("a tensor of the wrong shape is a ModelFormatError giving both shapes", async () => {
    const path = await variant("shape", (m) => m.set("llama.feed_forward_length", md.uint32(512)));
    await assert.rejects(loadModel(path), /Tensor "blk.0.ffn_gate.weight" has shape \[256, 768\], expected \[256, 512\]/);
  });

  test("a missing hyper-parameter is a ModelFormatError naming the key", async () => {
    const path = await variant("nokey", (m) => m.delete("llama.attention.layer_norm_rms_epsilon"));
    await assert.rejects(loadModel(path), /llama.attention.layer_norm_rms_epsilon/);
  });

  test("GQA head counts that do not divide are rejected", async () => {
    const path = await variant("gqa", (m) => m.set("llama.attention.head_count_kv", md.uint32(3)));
    await assert.rejects(loadModel(path), /not a multiple of the KV head count 3/);
  });
});
