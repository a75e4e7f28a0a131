#!/usr/bin/env node
// llama-ts: the command list. Each command lives in its own file under commands/; errors are
// caught once here and printed as one line plus a hint, with a non-zero exit code.

import { Command } from "commander";
import { registerBench } from "./commands/bench.js";
import { registerChat } from "./commands/chat.js";
import { registerEvalTasks } from "./commands/eval-tasks.js";
import { registerInspect } from "./commands/inspect.js";
import { registerLogits } from "./commands/logits.js";
import { registerPull } from "./commands/pull.js";
import { registerRun } from "./commands/run.js";
import { registerServe } from "./commands/serve.js";
import { registerSynth } from "./commands/synth.js";
import { registerTokenize } from "./commands/tokenize.js";
import { registerTrainTokenizer } from "./commands/train-tokenizer.js";
import { registerTrain } from "./commands/train.js";
import { reportError } from "./errors.js";

const program = new Command("llama-ts")
  .description("Run Llama GGUF models in TypeScript, with no native dependencies")
  .version("0.1.0")
  .showHelpAfterError("hint: add --help to see the command's options")
  .configureOutput({ outputError: (str, write) => write(str.startsWith("error:") ? str : `error: ${str}`) });

registerRun(program);
registerChat(program);
registerInspect(program);
registerTokenize(program);
registerLogits(program);
registerSynth(program);
registerPull(program);
registerServe(program);
registerBench(program);
registerTrainTokenizer(program);
registerEvalTasks(program);
registerTrain(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = reportError(err);
});
