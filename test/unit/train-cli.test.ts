// llama-ts train-tokenizer and llama-ts train as a user runs them: a vocabulary from a text file,
// a config file, a run stopped with --stop-at and continued by the same command, the exported
// model answering in `llama-ts run`, and one-line errors for bad input.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset, writeDataset } from "../../src/train/dataset.js";
import { loadVocab } from "../../src/train/tokenizer/vocab-file.js";
import { tokenizerFromVocab } from "../../src/train/tokenizer/vocab-metadata.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const cli = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { encoding: "utf8" });

test("train-tokenizer, then train with --stop-at, resume, export, and run the result", async () => {
  const dir = await mkdtemp(join(tmpdir(), "llama-ts-train-cli-"));
  try {
    const corpus = Array.from({ length: 60 }, (_, i) => `Line ${i}: the cat sat on the mat, and the dog sat on the log.`).join("\n");
    await writeFile(join(dir, "corpus.txt"), corpus);
    const tok = cli(["train-tokenizer", "-i", join(dir, "corpus.txt"), "--vocab-size", "600", "--split-digits", "-o", join(dir, "vocab.json")]);
    assert.equal(tok.status, 0, tok.stderr);
    const vocab = await loadVocab(join(dir, "vocab.json"));
    const tokenizer = tokenizerFromVocab(vocab);
    const docs = corpus.split("\n").map((l) => ({ tokens: tokenizer.encode(l) }));
    await writeDataset(join(dir, "train.ltds"), buildDataset(tokenizer.nVocab, docs));
    await writeDataset(join(dir, "val.ltds"), buildDataset(tokenizer.nVocab, docs.slice(0, 8)));
    const config = {
      model: { nEmbd: 32, nLayer: 1, nHead: 2, nHeadKv: 1, nFf: 64, nCtx: 32 },
      data: { train: "train.ltds", validation: "val.ltds", vocab: "vocab.json" },
      training: { steps: 12, batchSize: 2, seqLen: 32, lr: 1e-2, minLr: 1e-3, warmupSteps: 2 },
      eval: { every: 6, batches: 1 },
      checkpoint: { dir: "ck", every: 4 },
      compute: { backend: "js" },
      export: { path: "out.gguf", type: "Q8_0", name: "cli test" },
    };
    await writeFile(join(dir, "train.json"), JSON.stringify(config));
    const part = cli(["train", "-c", join(dir, "train.json"), "--stop-at", "5", "--json"]);
    assert.equal(part.status, 0, part.stderr);
    const first = JSON.parse(part.stdout) as { steps_done: number; finished: boolean; exported: string | null };
    assert.deepEqual([first.steps_done, first.finished, first.exported], [5, false, null]);
    const rest = cli(["train", "-c", join(dir, "train.json"), "--json"]);
    assert.equal(rest.status, 0, rest.stderr);
    assert.match(rest.stderr, /Resuming from step 5 of 12/);
    const done = JSON.parse(rest.stdout) as { steps_done: number; finished: boolean; exported: string; n_params: number; final_val_loss: number };
    assert.equal(done.steps_done, 12);
    assert.equal(done.finished, true);
    assert.ok(existsSync(done.exported) && existsSync(join(dir, "ck", "loss.svg")));
    assert.ok(done.final_val_loss > 0 && done.final_val_loss < Math.log(tokenizer.nVocab));
    const run = cli(["run", "-m", done.exported, "-p", "Line 3: the", "-n", "4", "--temp", "0", "--json"]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { tokens: number[] }).tokens.length, 4);

    // One-line errors naming the problem.
    const missing = cli(["train", "-c", join(dir, "nope.json")]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^error: Config file not found: .*nope\.json\n/);
    await writeFile(join(dir, "bad.json"), JSON.stringify({ ...config, training: { ...config.training, lr: "fast" } }));
    const bad = cli(["train", "-c", join(dir, "bad.json")]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /^error: .*bad\.json: training\.lr: /);
    const other = await readFile(join(dir, "train.json"), "utf8");
    await writeFile(join(dir, "other.json"), other.replace('"steps":12', '"steps":13'));
    const clash = cli(["train", "-c", join(dir, "other.json")]);
    assert.notEqual(clash.status, 0);
    assert.match(clash.stderr, /belongs to a different run/);
    const badTok = cli(["train-tokenizer", "-i", join(dir, "absent.txt"), "--vocab-size", "600", "-o", join(dir, "v2.json")]);
    assert.notEqual(badTok.status, 0);
    assert.match(badTok.stderr, /^error: .*absent\.txt/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
