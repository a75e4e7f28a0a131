// Generated test models for the conformance suite, cached under .cache/conformance/ (ignored by
// git) and rebuilt when their spec or the synthesizer version changes.

import { mkdir, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { synthesizeModel, type SynthOptions } from "../../src/synth/synth.js";

/** Bump when synthesis changes in a way that alters files. */
const SYNTH_VERSION = 1;
const CACHE = fileURLToPath(new URL("../../.cache/conformance/", import.meta.url));

export async function cachedModel(id: string, opts: SynthOptions): Promise<string> {
  const key = createHash("sha256").update(JSON.stringify({ SYNTH_VERSION, opts })).digest("hex").slice(0, 12);
  const path = join(CACHE, `${id}-${key}.gguf`);
  await mkdir(CACHE, { recursive: true });
  const exists = await stat(path).then(() => true, () => false);
  if (!exists) await synthesizeModel(path, opts);
  return path;
}

/** Deterministic token sequence: BOS (if any) then pseudo-random ids below `limit`. */
export function fixedSequence(length: number, limit: number, bos: number | undefined, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = bos === undefined ? [] : [bos];
  while (out.length < length) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s % limit);
  }
  return out;
}
