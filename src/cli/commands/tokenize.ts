// llama-ts tokenize: text → token ids with a model's tokenizer (no weights are read).

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { GgufFile } from "../../gguf/gguf-file.js";
import { Tokenizer } from "../../tokenizer/tokenizer.js";
import { UsageError } from "../errors.js";

interface TokenizeOpts {
  model?: string;
  special?: boolean;
  bos: boolean;
  json?: boolean;
  textsJson?: string;
}

export function registerTokenize(program: Command): void {
  program
    .command("tokenize")
    .description("turn text into token ids with a model's tokenizer")
    .argument("[text]", "the text to tokenize")
    .requiredOption("-m, --model <path>", "GGUF model whose vocabulary to use")
    .option("--special", "parse special-token text such as <|eot_id|> into control tokens")
    .option("--no-bos", "do not add BOS even if the model's metadata asks for it")
    .option("--texts-json <file>", "tokenize every string of a JSON array file instead of one text")
    .option("--json", "print JSON: {\"tokens\":[...]} or {\"results\":[{\"tokens\":[...]}, ...]}")
    .action(async (text: string | undefined, opts: TokenizeOpts) => {
      if ((text === undefined) === (opts.textsJson === undefined)) {
        throw new UsageError("Give either a text or --texts-json <file>, not both or neither");
      }
      const file = await GgufFile.open(opts.model!);
      let tokenizer: Tokenizer;
      try {
        tokenizer = Tokenizer.fromMetadata(file.header.metadata);
      } finally {
        await file.close();
      }
      const encode = (s: string) => tokenizer.encode(s, { addSpecial: opts.bos, parseSpecial: !!opts.special });
      if (opts.textsJson !== undefined) {
        let texts: unknown;
        try {
          texts = JSON.parse(await readFile(opts.textsJson, "utf8"));
        } catch (e) {
          throw new UsageError(`Cannot read a JSON array from "${opts.textsJson}": ${(e as Error).message}`, "the file must hold a JSON array of strings");
        }
        if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) {
          throw new UsageError(`"${opts.textsJson}" must hold a JSON array of strings`);
        }
        const results = texts.map((t: string) => ({ tokens: encode(t) }));
        if (opts.json) process.stdout.write(JSON.stringify({ results }) + "\n");
        else for (const r of results) process.stdout.write(r.tokens.join(" ") + "\n");
        return;
      }
      const tokens = encode(text!);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ tokens }) + "\n");
        return;
      }
      for (const t of tokens) process.stdout.write(`${String(t).padStart(7)}  ${JSON.stringify(tokenizer.tokenText(t))}\n`);
    });
}
