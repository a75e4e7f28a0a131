// The tools of the synthetic chat data (OpenAI function format, short descriptions so the
// rendered prompt stays small, and only schema keywords the tool-call grammar compiles), what users
// ask of them, and what they answer.

import type { ToolDefinition } from "../../chat/types.js";
import type { SeededRandom } from "../../synth/seeded-random.js";
import { COUNTRY_FACTS } from "./facts.js";

export type ToolName = "get_weather" | "get_time" | "convert_currency" | "search_books" | "set_timer";

const fn = (name: ToolName, description: string, properties: Record<string, unknown>, required: string[]): ToolDefinition => ({
  type: "function",
  function: { name, description, parameters: { type: "object", properties, required } },
});

export const TOOLS: Readonly<Record<ToolName, ToolDefinition>> = {
  get_weather: fn("get_weather", "Current weather in a city", { city: { type: "string" } }, ["city"]),
  get_time: fn("get_time", "Current local time in a city", { city: { type: "string" } }, ["city"]),
  convert_currency: fn(
    "convert_currency",
    "Convert an amount between currencies (ISO codes)",
    { amount: { type: "number" }, from: { type: "string" }, to: { type: "string" } },
    ["amount", "from", "to"],
  ),
  search_books: fn("search_books", "Search a library catalog", { query: { type: "string" } }, ["query"]),
  set_timer: fn("set_timer", "Start a countdown timer", { minutes: { type: "integer", minimum: 1 } }, ["minutes"]),
};
export const TOOL_NAMES = Object.keys(TOOLS) as ToolName[];

/** A request for one tool: the arguments, the phrasing slots, and the tool's canned result with the final answer. */
export interface ToolRequest {
  tool: ToolName;
  arguments: Record<string, unknown>;
  /** Slot values for the request templates. */
  slots: Record<string, string>;
}

export const TOOL_REQUEST_TEMPLATES: Readonly<Record<ToolName, readonly string[]>> = {
  get_weather: [
    "What's the weather in {city}?", "How is the weather in {city} today?", "Is it raining in {city}?", "Tell me the weather for {city}.",
    "Weather in {city}, please.", "Do I need an umbrella in {city} today?", "What's the temperature in {city} right now?",
  ],
  get_time: [
    "What time is it in {city}?", "Tell me the current time in {city}.", "What's the local time in {city}?", "Do you know what time it is in {city}?",
    "Current time in {city}?", "Check the time in {city} for me.", "I need the time in {city}.",
  ],
  convert_currency: [
    "Convert {amount} {from} to {to}.", "How much is {amount} {from} in {to}?", "What is {amount} {from} worth in {to}?", "I have {amount} {from}. How many {to} is that?",
    "Change {amount} {from} into {to}, please.", "Exchange {amount} {from} to {to}.", "{amount} {from} in {to}?",
  ],
  search_books: [
    "Find me books about {query}.", "Search for books on {query}.", "Are there any books about {query}?", "I want to read something about {query}.",
    "Look up books on {query}.", "Recommend books about {query}.", "Which books cover {query}?",
  ],
  set_timer: [
    "Set a timer for {minutes} minutes.", "Start a {minutes} minute timer.", "Remind me in {minutes} minutes.", "Timer for {minutes} minutes, please.",
    "Can you set a {minutes}-minute timer?", "Count down {minutes} minutes for me.", "Please time {minutes} minutes.",
  ],
};

const CURRENCY_CODES = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "CNY", "INR", "SEK", "NOK", "MXN", "BRL", "ZAR", "KRW"];
const BOOK_TOPICS = [
  "dragons", "space travel", "gardening", "Roman history", "cooking pasta", "whales", "chess", "the French Revolution", "mountains", "robots",
  "bees", "ancient Egypt", "sailing", "volcanoes", "jazz", "bird watching", "the Moon", "knitting", "pirates", "dinosaurs",
  "baking bread", "the ocean", "castles", "trains", "forests", "photography", "poetry", "the stars", "horses", "deserts",
];
const CONDITIONS = ["sunny", "cloudy", "rainy", "snowy", "windy", "foggy"];
const TITLE_WORDS = ["Secret", "Lost", "Hidden", "Golden", "Silent", "Great", "Little", "Last", "Wild", "Quiet"];
const AUTHORS = ["Ada Brook", "Tom Hale", "Mia Stone", "Leo Grant", "Eva Lund", "Sam Reed", "Nora Finch", "Ivan Cole"];

export const TOOL_CITIES: readonly string[] = COUNTRY_FACTS.map((c) => c.capital);

const pick = <T>(rng: SeededRandom, xs: readonly T[]): T => xs[rng.nextU32() % xs.length]!;

export function randomToolRequest(rng: SeededRandom, tool: ToolName): ToolRequest {
  switch (tool) {
    case "get_weather":
    case "get_time": {
      const city = pick(rng, TOOL_CITIES);
      return { tool, arguments: { city }, slots: { city } };
    }
    case "convert_currency": {
      const from = pick(rng, CURRENCY_CODES);
      let to = pick(rng, CURRENCY_CODES);
      while (to === from) to = pick(rng, CURRENCY_CODES);
      const amount = pick(rng, [1, 5, 10, 20, 25, 50, 75, 100, 150, 200, 250, 300, 500, 750, 1000]);
      return { tool, arguments: { amount, from, to }, slots: { amount: String(amount), from, to } };
    }
    case "search_books": {
      const query = pick(rng, BOOK_TOPICS);
      return { tool, arguments: { query }, slots: { query } };
    }
    case "set_timer": {
      const minutes = 1 + (rng.nextU32() % 90);
      return { tool, arguments: { minutes }, slots: { minutes: String(minutes) } };
    }
  }
}

/** What the tool returns for a request (JSON text for the ipython turn) and the reply that reports it. */
export function randomToolResult(rng: SeededRandom, req: ToolRequest): { result: string; answer: string } {
  const a = req.arguments;
  switch (req.tool) {
    case "get_weather": {
      const temperature = -10 + (rng.nextU32() % 46);
      const condition = pick(rng, CONDITIONS);
      return { result: JSON.stringify({ temperature, condition }), answer: `It is ${temperature} °C and ${condition} in ${a.city}.` };
    }
    case "get_time": {
      const time = `${String(rng.nextU32() % 24).padStart(2, "0")}:${String(rng.nextU32() % 60).padStart(2, "0")}`;
      return { result: JSON.stringify({ time }), answer: `It is ${time} in ${a.city}.` };
    }
    case "convert_currency": {
      const result = Math.round((a.amount as number) * (0.01 + rng.nextFloat() * 20) * 100) / 100;
      return { result: JSON.stringify({ result }), answer: `${a.amount} ${a.from} is ${result} ${a.to}.` };
    }
    case "search_books": {
      const title = `The ${pick(rng, TITLE_WORDS)} ${String(a.query).replace(/^the /, "").replace(/^./, (c) => c.toUpperCase())}`;
      const author = pick(rng, AUTHORS);
      return { result: JSON.stringify({ results: [{ title, author }] }), answer: `I found "${title}" by ${author}.` };
    }
    case "set_timer":
      return { result: JSON.stringify({ status: "started" }), answer: `Your timer for ${a.minutes} minutes is set.` };
  }
}
