// Request counters and the Prometheus text exposition for GET /metrics: requests by route and
// status, tokens (prompt evaluated, served from cache, generated), generated tokens/s, queue
// depth, active sequences, slots, KV-cache memory and time-to-first-token.
// Reference: https://prometheus.io/docs/instrumenting/exposition_formats/

import type { Scheduler } from "./scheduler.js";

const QUANTILE_WINDOW = 1000;

export class ServerMetrics {
  private requests = new Map<string, number>();
  private ttft: number[] = [];
  private ttftSum = 0;
  private ttftCount = 0;

  recordRequest(route: string, status: number): void {
    const key = `${route}\u0000${status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** Time from the request's arrival to its first generated token, in ms. */
  recordTtft(ms: number): void {
    this.ttft.push(ms);
    if (this.ttft.length > QUANTILE_WINDOW) this.ttft.shift();
    this.ttftSum += ms / 1000;
    this.ttftCount++;
  }

  render(s: Scheduler): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]) => {
      out.push(`# HELP llamats_${name} ${help}`, `# TYPE llamats_${name} ${type}`, ...lines);
    };
    const one = (name: string, type: string, help: string, value: number) => metric(name, type, help, [`llamats_${name} ${value}`]);
    const req = [...this.requests].map(([k, n]) => {
      const [route, status] = k.split("\u0000");
      return `llamats_requests_total{route="${route}",status="${status}"} ${n}`;
    });
    metric("requests_total", "counter", "HTTP requests by route and status.", req);
    const st = s.stats;
    one("prompt_tokens_total", "counter", "Prompt tokens evaluated.", st.promptTokens);
    one("prompt_tokens_cached_total", "counter", "Prompt tokens served from a slot's KV cache instead of evaluated.", st.cachedTokens);
    one("generated_tokens_total", "counter", "Tokens generated.", st.generatedTokens);
    one("tokens_per_second", "gauge", "Generated tokens per second over the last 10 s, all sequences together.", round(st.tokensPerSecond()));
    one("queue_depth", "gauge", "Sequences waiting for a slot.", s.queueDepth);
    one("active_sequences", "gauge", "Sequences in a slot (evaluating their prompt or generating).", s.active);
    one("slots", "gauge", "Parallel sequence slots (--parallel).", s.slots.length);
    one("kv_cache_bytes", "gauge", "Bytes of KV cache allocated across slots.", s.kvBytes);
    one("steps_total", "counter", "Batched forward passes.", st.steps);
    one("batch_sequences_total", "counter", "Sequences summed over steps (÷ steps = mean batch size).", st.batchedSequences);
    one("sequences_finished_total", "counter", "Sequences that ran to an end.", st.finished);
    one("sequences_cancelled_total", "counter", "Sequences cancelled, mostly by clients that disconnected.", st.cancelled);
    one("queue_rejected_total", "counter", "Requests refused with 503 because the queue was full.", st.rejected);
    const sorted = [...this.ttft].sort((a, b) => a - b);
    const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! / 1000 : 0);
    metric("time_to_first_token_seconds", "summary", "From request arrival to the first generated token (quantiles over the last 1000).", [
      `llamats_time_to_first_token_seconds{quantile="0.5"} ${round(q(0.5))}`,
      `llamats_time_to_first_token_seconds{quantile="0.99"} ${round(q(0.99))}`,
      `llamats_time_to_first_token_seconds_sum ${round(this.ttftSum)}`,
      `llamats_time_to_first_token_seconds_count ${this.ttftCount}`,
    ]);
    return out.join("\n") + "\n";
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
