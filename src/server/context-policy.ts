// The opt-in answer to a chat that no longer fits the context: drop the oldest turns (a user
// message and the replies and tool results that follow it), always keeping system messages and
// the latest turn, and say exactly what was dropped. The default policy is a 400; nothing is
// ever cut silently.

import { ContextOverflowError } from "../errors.js";
import type { PromptMessage } from "./chat-prompt.js";

export interface DropReport {
  policy: "drop_oldest_turns";
  /** How many messages were left out, and their indices in the request's `messages`. */
  dropped_messages: number;
  dropped_indices: number[];
  /** Prompt tokens of the full conversation, and of what was sent to the model. */
  prompt_tokens_before: number;
  prompt_tokens: number;
}

/** Groups the non-system message indices into turns, each starting at a user message. */
function turns(messages: readonly PromptMessage[]): number[][] {
  const out: number[][] = [];
  messages.forEach((m, i) => {
    if (m.role === "system") return;
    if (m.role === "user" || out.length === 0) out.push([i]);
    else out[out.length - 1]!.push(i);
  });
  return out;
}

/**
 * Renders the conversation, dropping the oldest turns until the prompt plus `reserve` tokens fits
 * in `nCtx`. Throws ContextOverflowError when even the system messages plus the last turn do not.
 */
export function dropOldestTurns(
  messages: readonly PromptMessage[],
  render: (messages: PromptMessage[]) => number[],
  reserve: number,
  nCtx: number,
): { tokens: number[]; report: DropReport } {
  const full = render([...messages]);
  const groups = turns(messages);
  const dropped = new Set<number>();
  let tokens = full;
  for (let g = 0; tokens.length + reserve > nCtx; g++) {
    if (g >= groups.length - 1) {
      throw new ContextOverflowError(
        `The conversation does not fit even after dropping ${dropped.size} older messages: the system messages and the last turn take ${tokens.length} tokens, ` +
          `plus ${reserve} to generate, but the context holds ${nCtx}`,
        nCtx,
        tokens.length + reserve,
      );
    }
    for (const i of groups[g]!) dropped.add(i);
    tokens = render(messages.filter((_, i) => !dropped.has(i)));
  }
  const indices = [...dropped].sort((a, b) => a - b);
  return {
    tokens,
    report: { policy: "drop_oldest_turns", dropped_messages: indices.length, dropped_indices: indices, prompt_tokens_before: full.length, prompt_tokens: tokens.length },
  };
}
