// Regenerates chat-template-goldens.json: each conversation of chat-template-cases.ts rendered by
// llama.cpp's own C++ Jinja engine (common/jinja, through node-llama-cpp 3.21.1's native
// AddonJinjaRenderer), an implementation independent of @huggingface/jinja that renderChat uses.
// The template variables come from templateVariables(); the leading BOS text is then removed as
// llama.cpp does when the tokenizer adds BOS.
// Run: node --import tsx test/unit/chat-template-goldens.gen.ts

import { writeFileSync } from "node:fs";
import { getLlama } from "node-llama-cpp";
import { BUILTIN_TEMPLATES } from "../../src/chat/builtin-templates.js";
import { templateVariables } from "../../src/chat/template.js";
import { buildVocabMetadata } from "../../src/synth/vocab.js";
import { Tokenizer } from "../../src/tokenizer/tokenizer.js";
import { caseOptions, TEMPLATE_CASES } from "./chat-template-cases.js";

const llama = await getLlama({ gpu: false, build: "never" });
interface NativeRenderer {
  render(vars: Record<string, unknown>): string;
}
const Native = (llama as unknown as { _bindings: { AddonJinjaRenderer: new (t: string) => NativeRenderer } })._bindings.AddonJinjaRenderer;

const models = {
  llama3: (() => {
    const md = new Map(buildVocabMetadata("llama3").metadata);
    return { tokenizer: Tokenizer.fromMetadata(md), header: { metadata: md } };
  })(),
  spm: (() => {
    const md = new Map(buildVocabMetadata("bytes").metadata);
    return { tokenizer: Tokenizer.fromMetadata(md), header: { metadata: md } };
  })(),
};

const out: { name: string; prompt: string }[] = [];
for (const c of TEMPLATE_CASES) {
  const model = c.template === "llama2" ? models.spm : models.llama3;
  const vars = templateVariables(model, c.messages, caseOptions(c));
  let prompt = new Native(BUILTIN_TEMPLATES[c.template]!).render(vars);
  const bos = model.tokenizer.tokenText(model.tokenizer.bos!);
  if (model.tokenizer.addBos && prompt.startsWith(bos)) prompt = prompt.slice(bos.length);
  out.push({ name: c.name, prompt });
}
const file = new URL("./chat-template-goldens.json", import.meta.url);
writeFileSync(file, JSON.stringify({ renderer: "llama.cpp common/jinja via node-llama-cpp 3.21.1 AddonJinjaRenderer", cases: out }, null, 2) + "\n");
console.log(`wrote ${out.length} cases to ${file.pathname}`);
