// POST /tokenize and POST /detokenize, as llama-server defines them: text → token ids (optionally
// with each token's piece), and ids → text.
// Reference: llama.cpp tools/server/README.md ("POST /tokenize", "POST /detokenize")

import type { Hono } from "hono";
import { badRequest } from "../errors.js";
import { parseBody, readJson } from "../request-body.js";
import { detokenizeRequestSchema, tokenizeRequestSchema } from "../schemas.js";
import type { ServerContext } from "../server-context.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function registerTokenize(app: Hono, ctx: ServerContext): void {
  const tk = ctx.model.tokenizer;
  app.post("/tokenize", async (c) => {
    const req = parseBody(tokenizeRequestSchema, (await readJson(c)).json);
    const tokens = tk.encode(req.content, { addSpecial: req.add_special ?? false, parseSpecial: req.parse_special ?? true });
    if (!req.with_pieces) return c.json({ tokens });
    return c.json({
      tokens: tokens.map((id) => {
        const bytes = tk.tokenToPiece(id, true);
        // A piece that is not whole UTF-8 (part of a multi-byte character) is given as its bytes.
        try {
          return { id, piece: utf8.decode(bytes) };
        } catch {
          return { id, piece: Array.from(bytes) };
        }
      }),
    });
  });
  app.post("/detokenize", async (c) => {
    const req = parseBody(detokenizeRequestSchema, (await readJson(c)).json);
    const bad = req.tokens.find((id) => id >= tk.nVocab);
    if (bad !== undefined) throw badRequest(`Invalid field "tokens": token ${bad} is outside the vocabulary of ${tk.nVocab} tokens`, "tokens");
    return c.json({ content: tk.decode(req.tokens) });
  });
}
