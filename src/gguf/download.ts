// Downloads a file over HTTP(S) to disk (Node only): streams into `<dest>.partial`, resumes a partial
// download with a Range request from its size, retries cut connections from where they stopped,
// checks the size and an optional SHA-256, then renames into place, so `dest` only ever appears
// complete. Used by `llama-ts pull`.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, stat, unlink } from "node:fs/promises";
import { HttpError, parseContentRange } from "./http-source.js";

export interface DownloadOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Bytes on disk so far (resumed bytes included) against the total, when known. */
  onProgress?: (p: { loadedBytes: number; totalBytes: number | undefined }) => void;
  /** Expected SHA-256 of the whole file, hex. */
  sha256?: string;
  /** Consecutive failed tries allowed (a try that makes progress resets the count); default 5. */
  retries?: number;
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes already on disk from an earlier partial download. */
  resumedFrom: number;
  /** Bytes received in this run. */
  received: number;
  sha256: string | undefined;
  seconds: number;
}

export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const retries = opts.retries ?? 5;
  const delay = opts.retryDelayMs ?? 500;
  const wantHash = opts.sha256?.toLowerCase();
  if (wantHash !== undefined && !/^[0-9a-f]{64}$/.test(wantHash)) throw new RangeError(`"${opts.sha256}" is not a SHA-256 digest (64 hex digits)`);
  const partial = `${dest}.partial`;
  const started = performance.now();
  let have = (await stat(partial).catch(() => undefined))?.size ?? 0;
  const resumedFrom = have;
  let received = 0;
  let total: number | undefined;
  let hash = wantHash ? await hashFile(partial, have) : undefined;
  let failures = 0;

  for (;;) {
    let failure: Error | undefined;
    let res: Response | undefined;
    try {
      res = await doFetch(url, { headers: { ...opts.headers, ...(have > 0 && { Range: `bytes=${have}-` }) }, ...(opts.signal && { signal: opts.signal }) });
    } catch (err) {
      if ((err as Error)?.name === "AbortError" || opts.signal?.aborted) throw err;
      failure = new HttpError(`Cannot reach "${url}": ${(err as { cause?: { code?: string } })?.cause?.code ?? (err as Error).message}`, url, 0);
    }
    if (res) {
      let append = false;
      if (res.status === 206) {
        const cr = parseContentRange(res.headers.get("content-range"), url);
        if (cr.start !== have) {
          await res.body?.cancel();
          throw new HttpError(`The server resumed "${url}" at byte ${cr.start} instead of ${have}`, url, 206);
        }
        total = cr.total;
        append = true;
      } else if (res.status === 200) {
        // A fresh start: the first request, or a server that ignores Range (start over).
        const len = res.headers.get("content-length");
        total = len === null ? undefined : Number(len);
        have = 0;
        hash = wantHash ? createHash("sha256") : undefined;
      } else if (res.status === 416 && have > 0) {
        await res.body?.cancel();
        const all = /\/(\d+)$/.exec(res.headers.get("content-range") ?? "");
        if (all && Number(all[1]) === have) {
          total = have; // the partial file is already complete
          break;
        }
        // The partial file is longer than the remote one: it is stale, start again.
        await unlink(partial);
        have = 0;
        hash = wantHash ? createHash("sha256") : undefined;
        continue;
      } else {
        await res.body?.cancel();
        const text = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
        const err = new HttpError(res.status === 404 ? `"${url}" was not found (${text})` : `Download of "${url}" failed with ${text}`, url, res.status);
        if (!(res.status === 408 || res.status === 429 || res.status >= 500)) throw err;
        failure = err;
      }
      if (!failure) {
        const before = have;
        const fh = await open(partial, append ? "a" : "w");
        try {
          const reader = res.body!.getReader();
          for (;;) {
            let chunk: Awaited<ReturnType<typeof reader.read>>;
            try {
              chunk = await reader.read();
            } catch (err) {
              if ((err as Error)?.name === "AbortError" || opts.signal?.aborted) throw err;
              failure = new HttpError(`The connection to "${url}" was cut at byte ${have}`, url, res.status);
              break;
            }
            if (chunk.done) break;
            await writeAll(fh, chunk.value);
            hash?.update(chunk.value);
            have += chunk.value.length;
            received += chunk.value.length;
            opts.onProgress?.({ loadedBytes: have, totalBytes: total });
          }
          await fh.sync();
        } finally {
          await fh.close();
        }
        if (!failure && total !== undefined && have < total) failure = new HttpError(`The connection to "${url}" closed at byte ${have} of ${total}`, url, res.status);
        if (!failure) break;
        if (have > before) failures = 0;
      }
    }
    if (++failures > retries) throw new HttpError(`${failure!.message} (gave up after ${failures} tries; run the same command again to resume)`, url, (failure as HttpError).status ?? 0);
    await new Promise((r) => setTimeout(r, delay * 2 ** (failures - 1)));
  }

  if (total !== undefined && have !== total) throw new HttpError(`Downloaded ${have} bytes of "${url}" but the server announced ${total}`, url, 200);
  const digest = hash?.digest("hex");
  if (wantHash !== undefined && digest !== wantHash) {
    await unlink(partial);
    throw new Error(`Checksum mismatch for "${url}": expected SHA-256 ${wantHash}, got ${digest}; the download was removed`);
  }
  await rename(partial, dest);
  return { path: dest, bytes: have, resumedFrom, received, sha256: digest, seconds: (performance.now() - started) / 1000 };
}

async function writeAll(fh: import("node:fs/promises").FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done)).bytesWritten;
}

/** SHA-256 state over the first `length` bytes of a file (0 → empty). */
async function hashFile(path: string, length: number) {
  const h = createHash("sha256");
  if (length === 0) return h;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 })) h.update(chunk as Buffer);
  return h;
}
