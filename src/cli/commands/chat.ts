// llama-ts chat: an interactive terminal chat over a ChatSession — history, system prompt,
// streamed replies, /reset /save /load /help /exit. Ctrl-C stops the reply being written and
// returns to the prompt; Ctrl-C twice at the prompt (or Ctrl-D, or end of piped input) exits.

import { readFile, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { ChatSession, chatTemplateFor, type ContextPolicy, type TurnOptions } from "../../chat/index.js";
import { intOption, numberOption, UsageError } from "../errors.js";
import { loadForCli } from "./load.js";

interface ChatOpts {
  model?: string;
  system?: string;
  nPredict: number;
  temp?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repeatPenalty?: number;
  seed?: number;
  threads?: number;
  ctxSize?: number;
  contextPolicy: string;
  verbose?: boolean;
}

const HELP = `commands:
  /reset          forget the conversation (keeps the system prompt)
  /save <file>    write the conversation to a JSON file
  /load <file>    read a conversation saved with /save
  /help           this list
  /exit           leave (also Ctrl-D; Ctrl-C twice at the prompt)
Ctrl-C while a reply is being written stops the reply.`;

export function registerChat(program: Command): void {
  program
    .command("chat")
    .description("chat with a model in the terminal (streaming, history, /save and /load)")
    .option("-m, --model <path>", "GGUF model")
    .option("--system <text>", "system prompt")
    .option("-n, --n-predict <n>", "most tokens per reply (-1: until the model ends its turn)", intOption("-n", -1), -1)
    .option("--temp <t>", "temperature; 0 = greedy (default 0.8)", numberOption("--temp", 0, 100))
    .option("--top-k <k>", "keep the k most likely tokens, 0 = off (default 40)", intOption("--top-k", 0))
    .option("--top-p <p>", "nucleus sampling threshold, 1 = off (default 0.95)", numberOption("--top-p", 0, 1))
    .option("--min-p <p>", "drop tokens below p × the top probability (default 0.05)", numberOption("--min-p", 0, 1))
    .option("--repeat-penalty <x>", "penalize repeated tokens, 1 = off", numberOption("--repeat-penalty", 0))
    .option("-s, --seed <n>", "sampling seed", intOption("--seed", 0, 0xffffffff))
    .option("-t, --threads <n>", "compute threads", intOption("--threads", 1, 1024))
    .option("-c, --ctx-size <n>", "context window in tokens (default min(training context, 4096))", intOption("--ctx-size", 1))
    .option("--context-policy <p>", "when the conversation outgrows the context: error | drop-oldest", "error")
    .option("-v, --verbose", "after each reply, print prompt tokens, reused tokens and time to first token")
    .action(async (opts: ChatOpts) => {
      if (opts.contextPolicy !== "error" && opts.contextPolicy !== "drop-oldest") {
        throw new UsageError(`--context-policy takes "error" or "drop-oldest", got "${opts.contextPolicy}"`);
      }
      const model = await loadForCli(opts.model, opts.threads);
      try {
        chatTemplateFor(model);
      } catch (e) {
        throw new UsageError((e as Error).message, "use a chat (instruct) model, or a Llama 3.x / Llama 2 vocabulary");
      }
      const generation: TurnOptions = {
        ...(opts.nPredict !== -1 && { maxTokens: opts.nPredict }),
        ...(opts.temp !== undefined && { temperature: opts.temp }),
        ...(opts.topK !== undefined && { topK: opts.topK }),
        ...(opts.topP !== undefined && { topP: opts.topP }),
        ...(opts.minP !== undefined && { minP: opts.minP }),
        ...(opts.repeatPenalty !== undefined && { repeatPenalty: opts.repeatPenalty }),
        ...(opts.seed !== undefined && { seed: opts.seed }),
      };
      const session = new ChatSession(model, {
        ...(opts.system !== undefined && { systemPrompt: opts.system }),
        ...(opts.ctxSize !== undefined && { nCtx: opts.ctxSize }),
        contextPolicy: opts.contextPolicy as ContextPolicy,
        generation,
      });
      await repl(session, !!opts.verbose);
    });
}

async function repl(session: ChatSession, verbose: boolean): Promise<void> {
  const tty = !!process.stdin.isTTY;
  const out = process.stdout;
  const rl = createInterface({ input: process.stdin, output: out, terminal: tty, prompt: tty ? "> " : "" });
  let reply: AbortController | undefined;
  let interruptedAt = 0;
  const onInterrupt = () => {
    if (reply) {
      reply.abort();
      return;
    }
    // At the prompt: a second Ctrl-C within 2 s leaves.
    if (Date.now() - interruptedAt < 2000) {
      out.write("\n");
      rl.close();
      return;
    }
    interruptedAt = Date.now();
    out.write("\n(press Ctrl-C again to exit, or type /exit)\n");
    rl.prompt();
  };
  rl.on("SIGINT", onInterrupt);
  process.on("SIGINT", onInterrupt);
  const note = (s: string) => out.write(`${tty ? "\x1b[2m" : ""}${s}${tty ? "\x1b[0m" : ""}\n`);
  if (tty) note(`llama-ts chat — ${session.model.config.nLayer} layers, context ${session.context.nCtx}; /help for commands`);
  rl.prompt();
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === "") {
        rl.prompt();
        continue;
      }
      if (line.startsWith("/")) {
        const [cmd, ...args] = line.split(/\s+/);
        const arg = args.join(" ");
        try {
          if (cmd === "/exit" || cmd === "/quit") break;
          else if (cmd === "/help") out.write(HELP + "\n");
          else if (cmd === "/reset") {
            session.reset();
            note("conversation cleared (system prompt kept)");
          } else if (cmd === "/save") {
            if (!arg) throw new UsageError("/save needs a file name");
            await writeFile(arg, JSON.stringify(session.save(), null, 2) + "\n");
            note(`saved ${session.messages.length} messages to ${arg}`);
          } else if (cmd === "/load") {
            if (!arg) throw new UsageError("/load needs a file name");
            session.load(JSON.parse(await readFile(arg, "utf8")));
            note(`loaded ${session.messages.length} messages from ${arg}`);
          } else throw new UsageError(`Unknown command "${cmd}"`);
        } catch (e) {
          out.write(`error: ${(e as Error).message}\n`);
        }
        rl.prompt();
        continue;
      }
      reply = new AbortController();
      try {
        const it = session.send(line, { signal: reply.signal });
        let r = await it.next();
        while (!r.done) {
          if (r.value.content) out.write(r.value.content);
          r = await it.next();
        }
        const t = r.value;
        out.write(t.finishReason === "aborted" ? " [stopped]\n" : "\n");
        if (t.dropped.length > 0) note(`(dropped ${t.dropped.length} old messages to fit the context)`);
        if (verbose && t.finishReason !== "aborted") {
          note(
            `[prompt ${t.promptTokens} tokens, ${t.timings.reusedTokens} reused; first token after ${t.timings.timeToFirstTokenMs.toFixed(0)} ms; ` +
              `${t.timings.generatedTokens} tokens at ${t.timings.generatedTokensPerSecond.toFixed(1)} tok/s; ${t.finishReason}]`,
          );
        }
      } catch (e) {
        out.write(`\nerror: ${(e as Error).message}\n`);
      } finally {
        reply = undefined;
      }
      rl.prompt();
    }
  } finally {
    process.off("SIGINT", onInterrupt);
    rl.close();
  }
}
