// llama-ts pull: download a model over HTTP(S) into the cache (or -o), resuming partial downloads,
// with a progress bar on stderr and an optional SHA-256 check; a split model's shards all come down.
// Prints the local path of the (first) file on stdout, so `llama-ts run -m "$(llama-ts pull URL)"` works.

import { mkdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { downloadFile } from "../../gguf/download.js";
import { parseSplitName, splitName } from "../../gguf/split.js";
import { isHttpUrl } from "../../gguf/http-source.js";
import { intOption, UsageError } from "../errors.js";

interface PullOpts {
  output?: string;
  sha256?: string;
  header?: string[];
  retries: number;
}

/** Where downloads go by default: $LLAMA_TS_CACHE, else ~/.cache/llama-ts. */
export function defaultCacheDir(): string {
  return process.env.LLAMA_TS_CACHE || join(homedir(), ".cache", "llama-ts");
}

export function registerPull(program: Command): void {
  program
    .command("pull")
    .description("download a model over http(s), resuming a partial download (all shards of a split model)")
    .argument("<url>", "http(s) URL of a .gguf file, or of the first shard of a split model")
    .option("-o, --output <path>", "where to save it: a file path or an existing directory (default: the cache, $LLAMA_TS_CACHE or ~/.cache/llama-ts)")
    .option("--sha256 <digest|file|url>", "check the download against this SHA-256: 64 hex digits, or a .sha256 file or URL (sha256sum format)")
    .option("-H, --header <name:value...>", "extra request header, e.g. \"Authorization: Bearer …\" (repeatable)")
    .option("--retries <n>", "consecutive failed tries before giving up", intOption("--retries", 0, 100), 5)
    .action(async (url: string, opts: PullOpts) => {
      if (!isHttpUrl(url)) throw new UsageError(`"${url}" is not an http(s) URL`, "give the full URL, e.g. https://example.com/model.gguf");
      const headers: Record<string, string> = {};
      for (const h of opts.header ?? []) {
        const i = h.indexOf(":");
        if (i <= 0) throw new UsageError(`Header "${h}" is not "Name: value"`);
        headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
      }
      const pathname = new URL(url).pathname;
      const fileName = decodeURIComponent(basename(pathname));
      if (!fileName) throw new UsageError(`"${url}" does not end in a file name`, "pass -o <path> to name the file");
      const split = parseSplitName(url);
      const urls = split && split.count > 1 ? Array.from({ length: split.count }, (_, i) => splitName(split.prefix, i, split.count, split.suffix)) : [url];
      if (split && split.index !== 0 && split.count > 1) throw new UsageError(`"${url}" is shard ${split.index + 1} of ${split.count}`, `pull the first shard: ${urls[0]}`);
      if (opts.sha256 && urls.length > 1) throw new UsageError("--sha256 checks a single file, but this is a split model", "check each shard separately, or leave out --sha256");
      const digest = opts.sha256 ? await resolveDigest(opts.sha256, headers) : undefined;

      // Destination: a directory (existing, or the cache) gets the URL's file names; else -o is the file.
      const outIsDir = opts.output === undefined || (await stat(opts.output).then((s) => s.isDirectory(), () => false));
      if (urls.length > 1 && !outIsDir) throw new UsageError("A split model needs a directory for -o", "pass an existing directory, or leave -o out to use the cache");
      const dir = opts.output === undefined ? defaultCacheDir() : opts.output;
      if (outIsDir) await mkdir(dir, { recursive: true });
      const dests = urls.map((u) => (outIsDir ? join(dir, decodeURIComponent(basename(new URL(u).pathname))) : opts.output!));

      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once("SIGINT", onSigint);
      try {
        for (let i = 0; i < urls.length; i++) {
          const label = urls.length > 1 ? `shard ${i + 1}/${urls.length}` : "downloading";
          const bar = byteProgress(label);
          try {
            const r = await downloadFile(urls[i]!, dests[i]!, {
              headers,
              signal: controller.signal,
              retries: opts.retries,
              onProgress: (p) => bar.update(p.loadedBytes, p.totalBytes),
              ...(digest && { sha256: digest }),
            });
            bar.done();
            const mib = r.bytes / 2 ** 20;
            const rate = r.received / 2 ** 20 / Math.max(r.seconds, 1e-6);
            process.stderr.write(
              `saved ${r.path}: ${mib.toFixed(1)} MiB in ${r.seconds.toFixed(1)} s (${rate.toFixed(1)} MiB/s)` +
                `${r.resumedFrom > 0 ? `, resumed from ${(r.resumedFrom / 2 ** 20).toFixed(1)} MiB` : ""}${r.sha256 && digest ? ", SHA-256 verified" : ""}\n`,
            );
          } finally {
            bar.done();
          }
        }
      } finally {
        process.off("SIGINT", onSigint);
      }
      process.stdout.write(dests[0] + "\n");
    });
}

/** A 64-hex digest given directly, or read from a sha256sum-style file or URL. */
async function resolveDigest(value: string, headers: Record<string, string>): Promise<string> {
  if (/^[0-9a-f]{64}$/i.test(value)) return value.toLowerCase();
  let text: string;
  if (isHttpUrl(value)) {
    const res = await fetch(value, { headers });
    if (!res.ok) throw new UsageError(`Cannot read the checksum from "${value}": HTTP ${res.status}`);
    text = await res.text();
  } else {
    text = await readFile(value, "utf8").catch(() => {
      throw new UsageError(`--sha256 "${value}" is neither 64 hex digits nor a readable file`, "pass the digest, or the path or URL of a .sha256 file");
    });
  }
  const m = /\b([0-9a-f]{64})\b/i.exec(text);
  if (!m) throw new UsageError(`No SHA-256 digest found in "${value}"`);
  return m[1]!.toLowerCase();
}

/** Progress on stderr when it is a terminal: bar (when the size is known), MiB and rate. */
function byteProgress(label: string): { update(done: number, total: number | undefined): void; done(): void } {
  const tty = process.stderr.isTTY;
  const started = performance.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = performance.now();
      if (!tty || now - last < 100) return;
      last = now;
      shown = true;
      const rate = done / 2 ** 20 / Math.max((now - started) / 1000, 1e-3);
      const mib = `${(done / 2 ** 20).toFixed(1)}${total ? `/${(total / 2 ** 20).toFixed(1)}` : ""} MiB, ${rate.toFixed(1)} MiB/s`;
      const bar = total ? ` [${"#".repeat(Math.round((done / total) * 30)).padEnd(30)}] ${Math.floor((done / total) * 100)}%` : "";
      process.stderr.write(`\r${label}${bar} ${mib}   `);
    },
    done() {
      if (shown) process.stderr.write("\n");
      shown = false;
    },
  };
}
