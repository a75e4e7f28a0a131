// Conversations for the chat-template golden tests, shared by the test and by the script that
// renders the expected prompts with llama.cpp's own Jinja engine (chat-template-goldens.gen.ts).

import type { RenderChatOptions } from "../../src/chat/template.js";
import type { ChatMessage, ToolDefinition } from "../../src/chat/types.js";

export interface TemplateCase {
  name: string;
  template: "llama3.1" | "llama3.2" | "llama2";
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  addGenerationPrompt?: boolean;
  /** ISO date (local midnight) for "Today Date". */
  date?: string;
}

const weather: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city. Use \"metric\" <units> & ASCII-only names: é is fine too",
    parameters: {
      type: "object",
      properties: { city: { type: "string", description: "City name" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city"],
    },
  },
};
const clock: ToolDefinition = { type: "function", function: { name: "get_time", description: "Current time", parameters: { type: "object", properties: {} } } };
const search: ToolDefinition = { type: "function", function: { name: "brave_search", description: "Web search", parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } } };
const python: ToolDefinition = { type: "function", function: { name: "code_interpreter", description: "Run Python" } };

export const TEMPLATE_CASES: TemplateCase[] = [
  { name: "system and user", template: "llama3.1", messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "What is the capital of France?" }] },
  { name: "no system message, default date", template: "llama3.1", messages: [{ role: "user", content: "Hi!" }] },
  {
    name: "multi-turn",
    template: "llama3.1",
    date: "2025-03-07",
    messages: [
      { role: "system", content: "  Answer briefly.  " },
      { role: "user", content: "Name a prime." },
      { role: "assistant", content: "7" },
      { role: "user", content: [{ type: "text", text: "Another " }, { type: "text", text: "one?" }] },
      { role: "assistant", content: "11\n" },
      { role: "user", content: "Thanks" },
    ],
  },
  { name: "no generation prompt", template: "llama3.1", addGenerationPrompt: false, messages: [{ role: "user", content: "Hello" }, { role: "assistant", content: "Hi there." }] },
  {
    name: "unicode, quotes and special-looking text",
    template: "llama3.1",
    date: "2024-12-31",
    messages: [{ role: "user", content: "Ünïcödé ☃ 🦙 \"quoted\" <b>tags</b> & {braces} \\ backslash\ttab" }],
  },
  {
    name: "custom tools in the first user message",
    template: "llama3.1",
    date: "2025-01-15",
    tools: [weather, clock],
    messages: [{ role: "system", content: "Use tools when needed." }, { role: "user", content: "Weather in Paris?" }],
  },
  {
    name: "tool call and string tool result",
    template: "llama3.1",
    date: "2025-01-15",
    tools: [weather],
    messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris", "unit": "c"}' } }] },
      { role: "tool", tool_call_id: "call_1", content: "18 degrees, sunny" },
      { role: "assistant", content: "It is 18 °C and sunny in Paris." },
      { role: "user", content: "And tomorrow?" },
    ],
  },
  {
    name: "tool call with object arguments and an ipython object result",
    template: "llama3.1",
    date: "2025-01-15",
    tools: [weather, clock],
    messages: [
      { role: "user", content: "Time and weather?" },
      { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_time", arguments: {} } }] },
      { role: "ipython", content: { time: "10:42", tz: "UTC", ok: true, n: 3 } },
    ],
  },
  {
    name: "two tool calls in one message become two assistant messages",
    template: "llama3.1",
    date: "2025-01-15",
    tools: [weather, clock],
    messages: [
      { role: "user", content: "Time and weather?" },
      {
        role: "assistant",
        tool_calls: [
          { id: "a", type: "function", function: { name: "get_time", arguments: "{}" } },
          { id: "b", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: "tool", tool_call_id: "a", content: "10:42" },
      { role: "tool", tool_call_id: "b", content: "rain" },
    ],
  },
  {
    name: "built-in tools (Environment: ipython)",
    template: "llama3.1",
    date: "2025-02-01",
    tools: [search, python],
    messages: [{ role: "system", content: "You can search." }, { role: "user", content: "Who won the 2022 World Cup?" }],
  },
  {
    name: "built-in tool call and result (<|eom_id|>)",
    template: "llama3.1",
    date: "2025-02-01",
    tools: [search, weather],
    messages: [
      { role: "user", content: "Search for llamas" },
      { role: "assistant", tool_calls: [{ type: "function", function: { name: "brave_search", arguments: '{"query": "llama facts"}' } }] },
      { role: "ipython", content: "Llamas are camelids." },
    ],
  },
  { name: "3.2: system and user", template: "llama3.2", date: "2025-06-09", messages: [{ role: "system", content: "Be concise." }, { role: "user", content: "2+2?" }] },
  {
    name: "3.2: tools and a tool result",
    template: "llama3.2",
    date: "2025-06-09",
    tools: [weather],
    messages: [
      { role: "user", content: "Weather in Rome?" },
      { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] },
      { role: "tool", content: "25C" },
    ],
  },
  {
    name: "llama 2: system, turns",
    template: "llama2",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: " Hello " },
      { role: "assistant", content: "Hi." },
      { role: "user", content: "Bye" },
    ],
  },
  { name: "llama 2: no system", template: "llama2", messages: [{ role: "user", content: "Hello" }] },
];

export function caseOptions(c: TemplateCase): RenderChatOptions {
  return {
    template: c.template,
    ...(c.tools && { tools: c.tools }),
    ...(c.addGenerationPrompt !== undefined && { addGenerationPrompt: c.addGenerationPrompt }),
    ...(c.date && { date: new Date(`${c.date}T00:00:00`) }),
  };
}
