// Speed of a Llama 3-sized header (128256 tokens + scores + token types + 280147 merges, ~8 MB)
// parsed from a real file through the chunked cursor: must stay far below the 2 s budget.

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { GgufFile } from "./gguf-file.js";
import { md } from "./metadata.js";
import { GgmlType } from "./types.js";
import { writeGguf } from "./writer.js";

const N_VOCAB = 128256;
const N_MERGES = 280147;

it("parses a Llama 3-sized tokenizer header quickly", async (t) => {
  // Mostly short ASCII like real vocabularies, with some multi-byte and longer entries.
  const tokens = Array.from({ length: N_VOCAB }, (_, i) => (i % 97 === 0 ? `ĠĠtoken_${i}_日本` : i % 13 === 0 ? `Ġword${i}${"x".repeat(20)}` : `t${i}`));
  const merges = Array.from({ length: N_MERGES }, (_, i) => `Ġ${i % 5000} ${i}`);
  const dir = await mkdtemp(join(tmpdir(), "gguf-large-"));
  try {
    const path = join(dir, "vocab.gguf");
    await writeGguf(path, {
      metadata: [
        ["general.architecture", md.string("llama")],
        ["tokenizer.ggml.model", md.string("gpt2")],
        ["tokenizer.ggml.tokens", md.stringArray(tokens)],
        ["tokenizer.ggml.scores", md.float32Array(Float32Array.from({ length: N_VOCAB }, (_, i) => -i))],
        ["tokenizer.ggml.token_type", md.int32Array(Int32Array.from({ length: N_VOCAB }, (_, i) => (i >= 128000 ? 3 : 1)))],
        ["tokenizer.ggml.merges", md.stringArray(merges)],
      ],
      tensors: [{ name: "output_norm.weight", type: GgmlType.F32, dims: [16], data: new Uint8Array(64) }],
    });

    const t0 = performance.now();
    const f = await GgufFile.open(path);
    const ms = performance.now() - t0;
    try {
      t.diagnostic(`parsed ${(f.header.dataOffset / 1e6).toFixed(1)} MB header in ${ms.toFixed(0)} ms`);
      assert.deepEqual(f.metadata.get("tokenizer.ggml.tokens")!.value, tokens);
      assert.deepEqual(f.metadata.get("tokenizer.ggml.merges")!.value, merges);
      assert.equal((f.metadata.get("tokenizer.ggml.scores")!.value as Float32Array)[N_VOCAB - 1], -(N_VOCAB - 1));
      assert.equal(f.tensors[0]!.nBytes, 64);
      assert.ok(ms < 2000, `header parse took ${ms.toFixed(0)} ms`);
    } finally {
      await f.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
