// A loopback static file server for tests of HTTP loading: serves files with or without Range
// support, and can misbehave on purpose (drop the connection after some bytes, answer 503) a set
// number of times. Optional extra headers (e.g. COOP/COEP for the browser test). Binds 127.0.0.1 only.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { open, readFile, stat } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

export interface RangeServerOptions {
  /** Directory served at "/". */
  root: string;
  /** Honour Range requests (default true); false always sends the whole file with 200. */
  ranges?: boolean;
  /** Cut the connection after this many body bytes, for the next `dropTimes` responses with a body. */
  dropAfterBytes?: number;
  dropTimes?: number;
  /** Answer 503 to the next `failTimes` requests. */
  failTimes?: number;
  /** Omit Content-Length on full responses. */
  noContentLength?: boolean;
  headers?: Record<string, string>;
}

export interface RangeServer {
  url: string;
  server: Server;
  /** Requests seen, with their Range header. */
  log: { path: string; range: string | undefined; status: number }[];
  options: RangeServerOptions;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

export async function startRangeServer(options: RangeServerOptions): Promise<RangeServer> {
  const log: RangeServer["log"] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const range = req.headers.range;
    const send = (status: number, headers: Record<string, string | number>, body?: Uint8Array) => {
      log.push({ path, range, status });
      res.writeHead(status, { ...options.headers, ...headers });
      if (!body || req.method === "HEAD") return res.end();
      const drop = options.dropAfterBytes !== undefined && (options.dropTimes ?? 0) > 0 && body.length > options.dropAfterBytes;
      if (drop) {
        options.dropTimes!--;
        res.write(body.subarray(0, options.dropAfterBytes), () => res.destroy());
        return;
      }
      res.end(body);
    };
    if ((options.failTimes ?? 0) > 0) {
      options.failTimes!--;
      return send(503, { "content-type": "text/plain" }, new TextEncoder().encode("busy"));
    }
    const file = join(options.root, normalize(path).replace(/^(\.\.[/\\])+/, ""));
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return send(404, { "content-type": "text/plain" }, new TextEncoder().encode("not found"));
    const size = info.size;
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    const etag = `"${info.size}-${info.mtimeMs}"`;
    const m = options.ranges !== false && range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (!m) {
      const data = new Uint8Array(await readFile(file));
      return send(200, { "content-type": type, etag, ...(!options.noContentLength && { "content-length": data.length }), "accept-ranges": options.ranges === false ? "none" : "bytes" }, data);
    }
    const start = Number(m[1]);
    const end = Math.min(m[2] ? Number(m[2]) : size - 1, size - 1);
    if (start >= size || end < start) return send(416, { "content-range": `bytes */${size}` });
    // Only the asked-for bytes are read, so many small ranges of a big file stay cheap.
    const body = new Uint8Array(end - start + 1);
    const fh = await open(file, "r");
    try {
      await fh.read(body, 0, body.length, start);
    } finally {
      await fh.close();
    }
    send(206, { "content-type": type, etag, "content-length": body.length, "content-range": `bytes ${start}-${end}/${size}`, "accept-ranges": "bytes" }, body);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    log,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
