// llama-ts inspect: what a GGUF file holds, without reading its weights.

import type { Command } from "commander";
import { GgufFile } from "../../gguf/gguf-file.js";
import { metadataToJSON, metaString } from "../../gguf/metadata.js";
import { ggmlTypeName } from "../../gguf/types.js";

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description("show a GGUF file's metadata, architecture and tensors")
    .argument("<model>", "path or http(s) URL of a .gguf file (any shard of a split model)")
    .option("--json", "print one JSON object")
    .option("--full", "print long metadata arrays in full (vocabularies, merges)")
    .action(async (path: string, opts: { json?: boolean; full?: boolean }) => {
      const file = await GgufFile.open(path);
      try {
        const h = file.header;
        const tensors = h.tensors.map((t) => ({ name: t.name, type: ggmlTypeName(t.type), shape: t.dims, bytes: t.nBytes, offset: t.fileOffset, ...(file.shards.length > 1 && { shard: (t.shard ?? 0) + 1 }) }));
        const shards = file.shards.map((s) => ({ path: s.location ?? null, size: s.header.fileSize, n_tensors: s.header.tensors.length }));
        const nParams = h.tensors.reduce((s, t) => s + t.nElements, 0);
        const summary = {
          path,
          version: h.version,
          architecture: metaString(h.metadata, "general.architecture") ?? null,
          name: metaString(h.metadata, "general.name") ?? null,
          file_size: h.fileSize,
          n_params: nParams,
          n_tensors: h.tensors.length,
          alignment: h.alignment,
          data_offset: h.dataOffset,
          metadata: metadataToJSON(h.metadata, opts.full ? { maxArray: Infinity } : {}),
          ...(shards.length > 1 && { shards }),
          tensors,
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify(summary) + "\n");
          return;
        }
        const out: string[] = [];
        out.push(`file:          ${path}`);
        out.push(`gguf version:  ${h.version}`);
        out.push(`architecture:  ${summary.architecture ?? "(none)"}`);
        out.push(`name:          ${summary.name ?? "(none)"}`);
        out.push(`size:          ${(h.fileSize / 2 ** 20).toFixed(2)} MiB, ${(nParams / 1e6).toFixed(2)} M parameters, ${h.tensors.length} tensors`);
        if (shards.length > 1) {
          out.push(`split:         ${shards.length} shards`);
          for (const sh of shards) out.push(`  ${sh.path}  ${sh.n_tensors} tensors, ${(sh.size / 2 ** 20).toFixed(2)} MiB`);
        }
        out.push("", "metadata:");
        for (const [k, v] of Object.entries(summary.metadata)) {
          let s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
          if (!opts.full && s.length > 120) s = s.slice(0, 117) + "...";
          out.push(`  ${k} = ${s}`);
        }
        out.push("", "tensors:");
        const w = Math.max(...tensors.map((t) => t.name.length), 4);
        for (const t of tensors) out.push(`  ${t.name.padEnd(w)}  ${t.type.padEnd(5)}  [${t.shape.join(", ")}]`);
        process.stdout.write(out.join("\n") + "\n");
      } finally {
        await file.close();
      }
    });
}
