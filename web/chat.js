// llama.ts chat page logic (plain browser JavaScript, no build step). Talks only to this
// server's /v1/models and /v1/chat/completions (streamed as Server-Sent Events). The
// conversation and settings live in localStorage; the API key only in sessionStorage.
"use strict";

const STORE = "llama-ts-chat";
const $ = (id) => document.getElementById(id);
const el = {
  model: $("model"), newChat: $("new-chat"), system: $("system"), temperature: $("temperature"),
  temperatureValue: $("temperature-value"), maxTokens: $("max-tokens"), apiKey: $("api-key"),
  speed: $("speed"), context: $("context"), contextBar: $("context-bar"), messages: $("messages"),
  error: $("error"), form: $("composer"), input: $("input"), send: $("send"), stop: $("stop"),
};

/** { settings: {system, temperature, maxTokens, model}, messages: [{role, content, note?}], lastUsage } */
let state = load();
let nCtx = 0;
let controller = null;

function load() {
  try {
    const s = JSON.parse(localStorage.getItem(STORE) || "null");
    if (s && Array.isArray(s.messages)) return s;
  } catch { /* a corrupt entry starts a fresh chat */ }
  return { settings: { system: "", temperature: 0.8, maxTokens: "", model: "" }, messages: [], lastUsage: null };
}

function save() {
  localStorage.setItem(STORE, JSON.stringify(state));
}

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = el.apiKey.value.trim();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

function showError(message) {
  el.error.textContent = message;
  el.error.hidden = !message;
}

async function errorMessage(res) {
  try {
    const body = await res.json();
    return body.error?.message || `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

function messageItem(m) {
  const li = document.createElement("li");
  li.className = m.role;
  li.dataset.testid = `message-${m.role}`;
  const role = document.createElement("span");
  role.className = "role";
  role.textContent = m.role;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = m.content;
  li.append(role, text);
  if (m.note) {
    const note = document.createElement("span");
    note.className = "note";
    note.textContent = m.note;
    li.append(note);
  }
  return li;
}

function render() {
  el.messages.replaceChildren(...state.messages.map(messageItem));
  el.messages.scrollTop = el.messages.scrollHeight;
  showContext(state.lastUsage?.total_tokens ?? 0);
}

function showContext(used) {
  if (!nCtx) {
    el.context.textContent = used ? `${used} tokens` : "–";
    return;
  }
  el.context.textContent = `${used} / ${nCtx} tokens (${Math.round((used / nCtx) * 100)}%)`;
  el.contextBar.style.width = `${Math.min(100, (used / nCtx) * 100)}%`;
}

function setBusy(busy) {
  el.send.disabled = busy;
  el.stop.disabled = !busy;
  el.input.disabled = busy;
}

async function loadModels() {
  try {
    const res = await fetch("/v1/models", { headers: headers() });
    if (!res.ok) throw new Error(await errorMessage(res));
    const { data } = await res.json();
    el.model.replaceChildren(...data.map((m) => new Option(m.id, m.id)));
    const wanted = data.find((m) => m.id === state.settings.model) ?? data[0];
    if (wanted) el.model.value = wanted.id;
    nCtx = wanted?.meta?.n_ctx ?? 0;
    el.model.dataset.ctx = JSON.stringify(Object.fromEntries(data.map((m) => [m.id, m.meta?.n_ctx ?? 0])));
    showError("");
    render();
  } catch (err) {
    showError(`Could not list models: ${err.message}${el.apiKey.value ? "" : " (does the server need an API key?)"}`);
  }
}

/** Reads an SSE body and calls onData with each parsed `data:` JSON payload until [DONE]. */
async function readSse(body, onData) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) !== -1) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (!data) continue;
      if (data === "[DONE]") return;
      onData(JSON.parse(data));
    }
  }
}

async function send(text) {
  showError("");
  state.messages.push({ role: "user", content: text });
  const reply = { role: "assistant", content: "" };
  state.messages.push(reply);
  save();
  render();
  const item = el.messages.lastElementChild;
  const textNode = item.querySelector(".text");
  item.classList.add("streaming");

  const body = {
    model: el.model.value || undefined,
    messages: [
      ...(state.settings.system.trim() ? [{ role: "system", content: state.settings.system }] : []),
      ...state.messages.slice(0, -1).map(({ role, content }) => ({ role, content })),
    ],
    temperature: Number(state.settings.temperature),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (state.settings.maxTokens) body.max_tokens = Number(state.settings.maxTokens);

  controller = new AbortController();
  setBusy(true);
  const started = performance.now();
  let firstAt = 0;
  let pieces = 0;
  let finish = null;
  try {
    const res = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(body), signal: controller.signal });
    if (!res.ok) throw new Error(await errorMessage(res));
    await readSse(res.body, (chunk) => {
      if (chunk.error) throw new Error(chunk.error.message);
      const choice = chunk.choices?.[0];
      const piece = choice?.delta?.content;
      if (piece) {
        if (!firstAt) firstAt = performance.now();
        pieces++;
        reply.content += piece;
        textNode.textContent = reply.content;
        el.messages.scrollTop = el.messages.scrollHeight;
        const seconds = (performance.now() - firstAt) / 1000;
        if (seconds > 0.2) el.speed.textContent = `${(pieces / seconds).toFixed(1)} tokens/s`;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) {
        state.lastUsage = chunk.usage;
        showContext(chunk.usage.total_tokens);
        const t = chunk.timings;
        if (t?.predicted_per_second) el.speed.textContent = `${t.predicted_per_second.toFixed(1)} tokens/s`;
      }
    });
    reply.note = finish === "length" ? "stopped: token limit reached" : "";
  } catch (err) {
    if (err.name === "AbortError") reply.note = "stopped";
    else {
      reply.note = "failed";
      showError(err.message);
    }
  } finally {
    controller = null;
    setBusy(false);
    item.classList.remove("streaming");
    if (!reply.content && !reply.note) reply.note = "(empty reply)";
    if (!firstAt) el.speed.textContent = `– (${((performance.now() - started) / 1000).toFixed(1)} s, no tokens)`;
    save();
    render();
    el.input.focus();
  }
}

el.form.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = el.input.value.trim();
  if (!text || controller) return;
  el.input.value = "";
  void send(text);
});
el.input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    el.form.requestSubmit();
  }
});
el.stop.addEventListener("click", () => controller?.abort());
el.newChat.addEventListener("click", () => {
  controller?.abort();
  state.messages = [];
  state.lastUsage = null;
  save();
  render();
});
el.system.addEventListener("input", () => {
  state.settings.system = el.system.value;
  save();
});
el.temperature.addEventListener("input", () => {
  state.settings.temperature = Number(el.temperature.value);
  el.temperatureValue.textContent = el.temperature.value;
  save();
});
el.maxTokens.addEventListener("input", () => {
  state.settings.maxTokens = el.maxTokens.value;
  save();
});
el.model.addEventListener("change", () => {
  state.settings.model = el.model.value;
  nCtx = JSON.parse(el.model.dataset.ctx || "{}")[el.model.value] ?? 0;
  save();
  render();
});
el.apiKey.addEventListener("change", () => {
  sessionStorage.setItem(`${STORE}-key`, el.apiKey.value.trim());
  void loadModels();
});

el.system.value = state.settings.system;
el.temperature.value = String(state.settings.temperature);
el.temperatureValue.textContent = el.temperature.value;
el.maxTokens.value = state.settings.maxTokens;
el.apiKey.value = sessionStorage.getItem(`${STORE}-key`) || "";
render();
void loadModels();
