// Tokenizer conformance against llama.cpp itself (node-llama-cpp's prebuilt binding, vocab-only
// load): for every vocabulary we synthesize, write a tensor-less GGUF, then require identical ids
// from llama_tokenize (parse_special off and on) and identical text from llama_detokenize over a
// deterministic corpus, random id sequences, and llama.cpp's own llama-bpe test vectors.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { md } from "../../src/gguf/metadata.js";
import type { GgufMetadataEntry } from "../../src/gguf/types.js";
import { writeGguf } from "../../src/gguf/writer.js";
import { buildVocabMetadata } from "../../src/synth/vocab.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import { tokenizerCorpus } from "./tokenizer-corpus.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cacheDir = join(root, ".cache", "tokenizer-conformance");
const corpus = tokenizerCorpus();
const MAX_REPORTED = 10;

let llama: Llama | undefined;
async function reference(): Promise<Llama> {
  llama ??= await getLlama({
    gpu: false,
    build: "never",
    logLevel: LlamaLogLevel.warn,
    // node-llama-cpp sizes the model with a trial full load first, which fails on a tensor-less
    // file before the real vocab-only load succeeds; that expected noise is dropped.
    logger: (level, message) => {
      if (/missing tensor|failed to load model|Failed simulating model resource usage/i.test(message)) return;
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal || level === LlamaLogLevel.warn) console.error(message);
    },
  });
  return llama;
}

after(async () => {
  await llama?.dispose();
});

/** A vocab-only Llama GGUF: our tokenizer metadata plus the hparams llama.cpp reads before the vocab. */
async function writeVocabGguf(kind: "llama3" | "spm" | "bytes"): Promise<{ path: string; metadata: [string, GgufMetadataEntry][] }> {
  mkdirSync(cacheDir, { recursive: true });
  const vocab = buildVocabMetadata(kind);
  const metadata: [string, GgufMetadataEntry][] = [
    ["general.architecture", md.string("llama")],
    ["general.name", md.string(`llama.ts ${kind} vocabulary`)],
    ["llama.context_length", md.uint32(2048)],
    ["llama.embedding_length", md.uint32(64)],
    ["llama.block_count", md.uint32(1)],
    ["llama.feed_forward_length", md.uint32(128)],
    ["llama.attention.head_count", md.uint32(4)],
    ["llama.attention.head_count_kv", md.uint32(4)],
    ["llama.attention.layer_norm_rms_epsilon", md.float32(1e-5)],
    ["llama.rope.dimension_count", md.uint32(16)],
    ["llama.vocab_size", md.uint32(vocab.nVocab)],
    ...vocab.metadata,
  ];
  const path = join(cacheDir, `vocab-${kind}.gguf`);
  await writeGguf(path, { metadata, tensors: [] });
  return { path, metadata: vocab.metadata };
}

/** Deterministic random id sequences: control, byte and multi-byte tokens in any order. */
function randomIdSequences(nVocab: number, count: number): number[][] {
  let s = 12345;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const seq: number[] = [];
    for (let n = 1 + Math.floor(next() * 12); n > 0; n--) {
      const k = next();
      // Bias towards the ends of the vocabulary, where byte tokens and specials live.
      const id = k < 0.3 ? Math.floor(next() * 300) : k < 0.5 ? nVocab - 1 - Math.floor(next() * 300) : Math.floor(next() * nVocab);
      seq.push(((id % nVocab) + nVocab) % nVocab);
    }
    out.push(seq);
  }
  return out;
}

interface Tally {
  agree: number;
  total: number;
  reported: number;
}

function check(t: Tally, label: string, input: unknown, expected: unknown, actual: unknown): void {
  t.total++;
  if (JSON.stringify(expected) === JSON.stringify(actual)) {
    t.agree++;
    return;
  }
  if (t.reported++ < MAX_REPORTED) {
    console.log(`${label} mismatch for ${JSON.stringify(input)}\n  llama.cpp: ${JSON.stringify(expected)}\n  llama.ts:  ${JSON.stringify(actual)}`);
  }
}

async function compareVocab(kind: "llama3" | "spm" | "bytes"): Promise<void> {
  const { path, metadata } = await writeVocabGguf(kind);
  const ours = Tokenizer.fromMetadata(new Map(metadata));
  const model: LlamaModel = await (await reference()).loadModel({ modelPath: path, vocabOnly: true, gpuLayers: 0 });
  try {
    const tallies: Record<string, Tally> = {};
    const tally = (name: string): Tally => (tallies[name] ??= { agree: 0, total: 0, reported: 0 });
    for (const parseSpecial of [false, true]) {
      const mode = parseSpecial ? "parseSpecial=true" : "parseSpecial=false";
      for (const text of corpus) {
        const ref = Array.from(model.tokenize(text, parseSpecial)) as number[];
        const got = ours.encode(text, { addSpecial: false, parseSpecial });
        check(tally(`encode ${mode}`), `${kind} encode ${mode}`, text, ref, got);
        const refText = model.detokenize(ref as Token[], parseSpecial);
        check(tally(`decode ${mode}`), `${kind} decode ${mode}`, ref, refText, ours.decode(ref, { special: parseSpecial }));
      }
    }
    for (const special of [false, true]) {
      for (const ids of randomIdSequences(ours.nVocab, 500)) {
        const refText = model.detokenize(ids as Token[], special);
        check(tally(`decode random ids special=${special}`), `${kind} decode special=${special}`, ids, refText, ours.decode(ids, { special }));
      }
    }
    // Model-level facts llama.cpp reports.
    assert.equal(ours.bos ?? null, model.tokens.bos);
    assert.equal(ours.eos ?? null, model.tokens.eos);
    assert.equal(ours.eot ?? null, model.tokens.eot);

    for (const [name, t] of Object.entries(tallies)) {
      console.log(`tokenizer conformance ${kind}: ${name}: ${t.agree}/${t.total} identical to llama.cpp`);
    }
    for (const [name, t] of Object.entries(tallies)) assert.equal(t.agree, t.total, `${kind} ${name}: ${t.total - t.agree} mismatches`);
  } finally {
    await model.dispose();
  }
}

test("llama3 vocabulary matches llama.cpp (corpus, random ids)", { timeout: 120_000 }, async () => {
  await compareVocab("llama3");
});

test("spm vocabulary matches llama.cpp (corpus, random ids)", { timeout: 120_000 }, async () => {
  await compareVocab("spm");
});

test("bytes vocabulary matches llama.cpp (corpus, random ids)", { timeout: 120_000 }, async () => {
  await compareVocab("bytes");
});

test("llama.cpp's llama-bpe test vectors through llama.cpp and llama.ts", { timeout: 120_000 }, async () => {
  const { path, metadata } = await writeVocabGguf("llama3");
  const ours = Tokenizer.fromMetadata(new Map(metadata));
  const model = await (await reference()).loadModel({ modelPath: path, vocabOnly: true, gpuLayers: 0 });
  try {
    const raw = readFileSync(join(root, "test/fixtures/llama-bpe-vectors.inp"), "utf8");
    const expected = readFileSync(join(root, "test/fixtures/llama-bpe-vectors.out"), "utf8").split("\n");
    const sep = "\n__ggml_vocab_test__\n";
    const inputs: string[] = [];
    for (let pos = 0; pos < raw.length; ) {
      const next = raw.indexOf(sep, pos);
      inputs.push(raw.slice(pos, next < 0 ? raw.length : next));
      if (next < 0) break;
      pos = next + sep.length;
    }
    let agree = 0;
    for (let i = 0; i < inputs.length; i++) {
      const want = expected[i]!.trim() === "" ? [] : expected[i]!.trim().split(" ").map(Number);
      const ref = Array.from(model.tokenize(inputs[i]!, false)) as number[];
      const got = ours.encode(inputs[i]!, { addSpecial: false });
      assert.deepEqual(ref, want, `llama.cpp disagrees with its own vector ${JSON.stringify(inputs[i])}`);
      assert.deepEqual(got, want, `llama.ts vector ${JSON.stringify(inputs[i])}`);
      agree++;
    }
    console.log(`tokenizer conformance llama3: llama.cpp test vectors: ${agree}/${inputs.length} identical`);
  } finally {
    await model.dispose();
  }
});
