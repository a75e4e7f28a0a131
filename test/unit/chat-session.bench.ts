// Time to first token per chat turn with the KV cache of the previous turns reused (one
// ChatSession) against the same conversation evaluated from scratch (a fresh session loaded with
// the same history), on a given model.
// Run: node --import tsx test/unit/chat-session.bench.ts <model.gguf> [turns] [reply tokens]

import { ChatSession } from "../../src/chat/index.js";
import { loadModel } from "../../src/model/model.js";

const [path, turnsArg, replyArg] = process.argv.slice(2);
if (!path) throw new Error("usage: chat-session.bench.ts <model.gguf> [turns] [reply tokens]");
const turns = Number(turnsArg ?? 4);
const reply = Number(replyArg ?? 16);
const model = await loadModel(path);
console.log(`model ${path}: ${model.config.nLayer} layers, ${model.config.nEmbd} wide, kernels ${model.kernels.name}`);

const questions = [
  "Hello! Could you tell me a little about the history of the city of Lyon?",
  "Interesting. What food is it known for, and which dishes should a visitor try first?",
  "And what is the best season to visit, considering the weather and the festivals?",
  "Finally, how do I get there from Paris by train, and how long does it take?",
  "Thanks. Summarize everything in three sentences.",
];
const opts = { systemPrompt: "You are a knowledgeable travel guide. Answer in detail.", nCtx: 2048, generation: { maxTokens: reply, seed: 1 } };
const session = new ChatSession(model, opts);
console.log("turn | prompt tokens | reused | TTFT reused (ms) | TTFT from scratch (ms) | saving");
for (let k = 0; k < turns; k++) {
  const history = session.save();
  const warm = await session.reply(questions[k % questions.length]!);
  const fresh = new ChatSession(model, opts);
  fresh.load(history);
  const cold = await fresh.reply(questions[k % questions.length]!);
  const a = warm.timings.timeToFirstTokenMs;
  const b = cold.timings.timeToFirstTokenMs;
  console.log(`${k + 1} | ${warm.promptTokens} | ${warm.timings.reusedTokens} | ${a.toFixed(1)} | ${b.toFixed(1)} (${cold.promptTokens} tokens, ${cold.timings.reusedTokens} reused) | ${(100 * (1 - a / b)).toFixed(0)} %`);
}
