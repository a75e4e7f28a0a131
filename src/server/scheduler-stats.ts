// Counters the scheduler keeps for /metrics and /health: tokens evaluated, cached and generated,
// steps, and generated tokens per second over a sliding window.

/** Window over which the tokens-per-second gauge is averaged. */
const RATE_WINDOW_MS = 10_000;

export class SchedulerStats {
  promptTokens = 0;
  cachedTokens = 0;
  generatedTokens = 0;
  steps = 0;
  stepMs = 0;
  /** Sequences batched together, summed over steps (÷ steps = mean batch size). */
  batchedSequences = 0;
  finished = 0;
  cancelled = 0;
  rejected = 0;
  private recent: { at: number; n: number }[] = [];

  recordStep(ms: number, sequences: number): void {
    this.steps++;
    this.stepMs += ms;
    this.batchedSequences += sequences;
  }

  recordTokens(n: number): void {
    if (n <= 0) return;
    this.generatedTokens += n;
    const now = performance.now();
    const last = this.recent[this.recent.length - 1];
    // One entry per millisecond-ish bucket keeps the window small under heavy load.
    if (last && now - last.at < 50) last.n += n;
    else this.recent.push({ at: now, n });
    this.trim(now);
  }

  /** Generated tokens per second over the last RATE_WINDOW_MS. */
  tokensPerSecond(): number {
    const now = performance.now();
    this.trim(now);
    if (this.recent.length === 0) return 0;
    const total = this.recent.reduce((s, r) => s + r.n, 0);
    const span = Math.max(now - this.recent[0]!.at, 1000);
    return (total / span) * 1000;
  }

  private trim(now: number): void {
    while (this.recent.length > 0 && now - this.recent[0]!.at > RATE_WINDOW_MS) this.recent.shift();
  }
}
