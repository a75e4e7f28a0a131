// A ByteSource over HTTP(S) range requests, so a model streams from a URL tensor by tensor into
// the buffers the engine keeps (one copy, never the whole file twice). Works wherever `fetch`
// does: Node 20+, browsers, Web Workers. The first request asks for the first 4 MiB (the header
// reader's chunk) and learns the size from Content-Range; every later range is validated against
// it, failed or cut-off ranges are retried from the last byte received, and a server that ignores
// Range is either read whole (small files) or refused with a clear error.
// Reference: RFC 9110 §14 (Range, Content-Range, 206/416).

import { checkRange, type ByteSource } from "./byte-source.js";

export interface HttpSourceOptions {
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Network bytes received so far, against the file size. */
  onProgress?: (p: { loadedBytes: number; totalBytes: number }) => void;
  /** Tries after the first for a failed or cut-off range (network error, 5xx, 429); default 3. */
  retries?: number;
  /** Delay before the first retry, doubled for each further one; default 250 ms. */
  retryDelayMs?: number;
  /** Largest single range request (the first one asks for at most 4 MiB); longer reads are split; default 16 MiB. */
  chunkSize?: number;
  /**
   * A server that ignores Range sends the whole file: it is kept in memory when at most this many
   * bytes (default 256 MiB), otherwise opening fails. 0 refuses such servers outright.
   */
  maxWholeBody?: number;
  /** The fetch to use (tests, proxies); default globalThis.fetch. */
  fetch?: typeof fetch;
}

/** An HTTP failure; `status` is 0 when no response came back (network error). */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    message: string,
    readonly url: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface HttpByteSource extends ByteSource {
  readonly url: string;
  /** True when the server honours Range; false when the whole file was read into memory. */
  readonly ranged: boolean;
  /** Streams the bytes at `offset` straight into `target` (e.g. WebAssembly memory): no second copy. */
  readInto(target: Uint8Array, offset: number): Promise<void>;
  close(): Promise<void>;
}

const PROBE_BYTES = 4 << 20;

export function isHttpUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** Opens `url` for random access; resolves once the file size is known. */
export async function httpSource(url: string, opts: HttpSourceOptions = {}): Promise<HttpByteSource> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  if (typeof doFetch !== "function") throw new Error("Cannot read a URL: this JavaScript runtime has no fetch");
  const retries = opts.retries ?? 3;
  const retryDelay = opts.retryDelayMs ?? 250;
  const chunkSize = opts.chunkSize ?? 16 << 20;
  const maxWhole = opts.maxWholeBody ?? 256 << 20;
  const what = `"${url}"`;
  let loaded = 0;
  let size = 0;
  const progress = (n: number) => {
    loaded += n;
    opts.onProgress?.({ loadedBytes: loaded, totalBytes: size });
  };

  const get = async (range: string | undefined): Promise<Response> => {
    try {
      return await doFetch(url, { headers: { ...opts.headers, ...(range && { Range: range }) }, ...(opts.signal && { signal: opts.signal }) });
    } catch (err) {
      if (isAbort(err, opts.signal)) throw err;
      throw new HttpError(`Cannot reach ${what}: ${describe(err)}`, url, 0);
    }
  };

  // The probe: learn the size (and whether Range works) and keep the first bytes for the header.
  let probe: Response | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      probe = await get(`bytes=0-${Math.min(PROBE_BYTES, chunkSize) - 1}`);
      if (!retryable(probe.status) || attempt >= retries) break;
      await probe.body?.cancel();
    } catch (err) {
      if (!(err instanceof HttpError) || attempt >= retries) throw err;
    }
    await sleep(retryDelay * 2 ** attempt, opts.signal);
  }
  if (probe.status === 200) {
    const whole = await readWholeBody(probe, url, maxWhole, (n) => progress(n));
    size = whole.length;
    return wholeSource(url, whole);
  }
  if (probe.status !== 206) {
    await probe.body?.cancel();
    throw statusError(probe, url);
  }
  const first = parseContentRange(probe.headers.get("content-range"), url);
  if (first.start !== 0 || first.total === undefined) {
    await probe.body?.cancel();
    throw new HttpError(`The server sent Content-Range "${probe.headers.get("content-range")}" for the first bytes of ${what}`, url, 206);
  }
  size = first.total;
  const etag = probe.headers.get("etag");
  // A probe cut short keeps what arrived; later reads fetch (and retry) the rest.
  const probed = new Uint8Array(first.end - first.start + 1);
  const head = probed.subarray(0, await readBodyInto(probe, probed, 0, probed.length, progress));

  let closed = false;
  /** Fills out[outOff ..] with bytes [start, end) of the file, retrying and resuming cut-off ranges. */
  const fetchRange = async (out: Uint8Array, outOff: number, start: number, end: number): Promise<void> => {
    let pos = start;
    // One try: undefined when the range is complete, a retryable failure, or a throw when retrying cannot help.
    const once = async (): Promise<HttpError | undefined> => {
      let res: Response;
      try {
        res = await get(`bytes=${pos}-${end - 1}`);
      } catch (err) {
        if (err instanceof HttpError) return err;
        throw err;
      }
      if (res.status !== 206) {
        await res.body?.cancel();
        if (res.status === 200) throw new HttpError(`The server stopped honouring range requests for ${what}`, url, 200);
        if (!retryable(res.status)) throw statusError(res, url);
        return statusError(res, url);
      }
      const cr = parseContentRange(res.headers.get("content-range"), url);
      if (cr.start !== pos || cr.end !== end - 1 || (cr.total !== undefined && cr.total !== size)) {
        await res.body?.cancel();
        throw new HttpError(`The server answered a request for bytes ${pos}-${end - 1} of ${what} with Content-Range "${res.headers.get("content-range")}" (file size ${size})`, url, 206);
      }
      const tag = res.headers.get("etag");
      if (etag && tag && tag !== etag) {
        await res.body?.cancel();
        throw new HttpError(`${what} changed on the server while it was being read (ETag ${etag} became ${tag})`, url, 206);
      }
      pos += await readBodyInto(res, out, outOff + (pos - start), end - pos, progress);
      return pos === end ? undefined : new HttpError(`The connection to ${what} closed early, at byte ${pos} of a range ending at ${end}`, url, 206);
    };
    for (let attempt = 0; ; attempt++) {
      const failure = await once();
      if (failure === undefined) return;
      if (attempt >= retries) throw new HttpError(`${failure.message} (gave up after ${retries + 1} tries)`, url, failure.status);
      await sleep(retryDelay * 2 ** attempt, opts.signal);
    }
  };

  const readInto = async (target: Uint8Array, offset: number): Promise<void> => {
    if (closed) throw new Error(`Cannot read from ${what}: it is closed`);
    const length = target.length;
    checkRange(offset, length, size, what);
    if (offset + length <= head.length) return target.set(head.subarray(offset, offset + length));
    for (let done = 0; done < length; done += chunkSize) {
      const n = Math.min(chunkSize, length - done);
      await fetchRange(target, done, offset + done, offset + done + n);
    }
  };

  return {
    url,
    ranged: true,
    get size() {
      return size;
    },
    async read(offset, length) {
      const out = new Uint8Array(length);
      await readInto(out, offset);
      return out;
    },
    readInto,
    async close() {
      closed = true;
    },
  };
}

function wholeSource(url: string, bytes: Uint8Array): HttpByteSource {
  return {
    url,
    ranged: false,
    size: bytes.length,
    async read(offset, length) {
      checkRange(offset, length, bytes.length, `"${url}"`);
      return bytes.slice(offset, offset + length);
    },
    async readInto(target, offset) {
      checkRange(offset, target.length, bytes.length, `"${url}"`);
      target.set(bytes.subarray(offset, offset + target.length));
    },
    async close() {},
  };
}

/** Streams a response body into out[off, off+max); returns the bytes written. Throws if the body is longer. */
async function readBodyInto(res: Response, out: Uint8Array, off: number, max: number, onBytes: (n: number) => void): Promise<number> {
  if (!res.body) return 0;
  const reader = res.body.getReader();
  let got = 0;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (isAbort(err)) throw err;
        return got; // cut off mid-body: the caller resumes from here
      }
      if (chunk.done) return got;
      const v = chunk.value;
      if (got + v.length > max) throw new HttpError(`The server sent more than the ${max} bytes asked for from "${res.url}"`, res.url, res.status);
      out.set(v, off + got);
      got += v.length;
      onBytes(v.length);
    }
  } finally {
    reader.releaseLock();
  }
}

async function readWholeBody(res: Response, url: string, max: number, onBytes: (n: number) => void): Promise<Uint8Array> {
  const refuse = (size: string) =>
    new HttpError(
      `The server for "${url}" ignores range requests and the file is ${size}, over the ${max}-byte limit for reading it whole; ` +
        `use a server that supports Range, or download it first (llama-ts pull)`,
      url,
      200,
    );
  const lengthHeader = res.headers.get("content-length");
  const length = lengthHeader === null ? undefined : Number(lengthHeader);
  if (length !== undefined && Number.isSafeInteger(length) && length > max) {
    await res.body?.cancel();
    throw refuse(`${length} bytes`);
  }
  if (length !== undefined && Number.isSafeInteger(length)) {
    const out = new Uint8Array(length);
    const got = await readBodyInto(res, out, 0, length, onBytes);
    if (got !== length) throw new HttpError(`The connection to "${url}" closed after ${got} of ${length} bytes`, url, 200);
    return out;
  }
  // No length: grow a buffer, still bounded by max.
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw refuse(`more than ${max} bytes`);
    }
    parts.push(value);
    onBytes(value.length);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Parses "bytes start-end/total" (total may be "*"). */
export function parseContentRange(header: string | null, url: string): { start: number; end: number; total: number | undefined } {
  const m = header === null ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (!m) throw new HttpError(`The server answered a range request for "${url}" without a valid Content-Range header (got ${header === null ? "none" : `"${header}"`})`, url, 206);
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === "*" ? undefined : Number(m[3]);
  if (end < start || (total !== undefined && end >= total)) throw new HttpError(`Invalid Content-Range "${header}" from "${url}"`, url, 206);
  return { start, end, total };
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function statusError(res: Response, url: string): HttpError {
  const text = `${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
  if (res.status === 404) return new HttpError(`"${url}" was not found (HTTP ${text})`, url, 404);
  if (res.status === 416) return new HttpError(`The server refused the byte range asked for from "${url}" (HTTP ${text})`, url, 416);
  return new HttpError(`Request for "${url}" failed with HTTP ${text}`, url, res.status);
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return (err as { name?: string })?.name === "AbortError" || signal?.aborted === true;
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
