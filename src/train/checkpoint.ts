// Training checkpoints: everything a run needs to continue bit for bit (parameters, AdamW moments,
// the step, the loss history) in one file. Written to a temporary file, flushed to disk and
// renamed over the old checkpoint, so a crash at any moment leaves either the old or the new one.
//
// Layout (little-endian): "LTCK", u32 version (1), u32 JSON length, JSON (CheckpointMeta), zero
// padding to a multiple of 4, then nParams f32 parameters, nParams f32 m, nParams f32 v.

import { open, readFile, rename, unlink } from "node:fs/promises";
import type { TrainShape } from "./model-shape.js";

export interface HistoryPoint {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  valLoss?: number;
}

export interface CheckpointMeta {
  shape: TrainShape;
  /** Steps completed. */
  step: number;
  nParams: number;
  /** Digest of the settings that must not change on resume (schedule, batch, data, seed). */
  runDigest: string;
  history: HistoryPoint[];
  /** Seconds spent training so far (over all resumed segments). */
  elapsedS: number;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

const MAGIC = 0x4b43544c; // "LTCK"

export class CheckpointError extends Error {
  override name = "CheckpointError";
}

export async function saveCheckpoint(path: string, ck: Checkpoint): Promise<void> {
  const n = ck.meta.nParams;
  for (const [name, a] of [["params", ck.params], ["m", ck.m], ["v", ck.v]] as const) {
    if (a.length !== n) throw new CheckpointError(`Checkpoint ${name} has ${a.length} values, expected ${n}`);
  }
  const json = new TextEncoder().encode(JSON.stringify(ck.meta));
  const headerLen = 12 + json.length;
  const pad = (4 - (headerLen % 4)) % 4;
  const header = new Uint8Array(headerLen + pad);
  const view = new DataView(header.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, 1, true);
  view.setUint32(8, json.length, true);
  header.set(json, 12);
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, "w");
  try {
    await fh.write(header);
    for (const a of [ck.params, ck.m, ck.v]) await fh.write(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new CheckpointError(`Checkpoint not found: ${path}`);
    throw err;
  }
  const fail = (why: string) => new CheckpointError(`${path}: ${why}`);
  if (bytes.length < 12) throw fail("too short to be a checkpoint");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw fail("not a llama.ts checkpoint (bad magic)");
  const version = view.getUint32(4, true);
  if (version !== 1) throw fail(`unsupported checkpoint version ${version}`);
  const jsonLen = view.getUint32(8, true);
  if (12 + jsonLen > bytes.length) throw fail(`header length ${jsonLen} runs past the end of the file`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLen))) as CheckpointMeta;
  } catch (err) {
    throw fail(`corrupt header (${(err as Error).message})`);
  }
  if (!meta || typeof meta.nParams !== "number" || typeof meta.step !== "number" || !meta.shape || !Array.isArray(meta.history)) throw fail("header lacks nParams, step, shape or history");
  const start = 12 + jsonLen + ((4 - ((12 + jsonLen) % 4)) % 4);
  const want = start + 12 * meta.nParams;
  if (bytes.length !== want) throw fail(`expected ${want} bytes for ${meta.nParams} parameters, found ${bytes.length} (truncated or corrupt)`);
  const floats = (i: number) => new Float32Array(bytes.buffer.slice(bytes.byteOffset + start + 4 * i * meta.nParams, bytes.byteOffset + start + 4 * (i + 1) * meta.nParams));
  return { meta, params: floats(0), m: floats(1), v: floats(2) };
}
