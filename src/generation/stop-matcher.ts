// Holds back streamed text that might be the start of a stop string, so a stop string is never
// emitted (not even its first half) and text before it is never lost.

export class StopMatcher {
  private pending = "";

  constructor(private readonly stops: readonly string[]) {
    for (const s of stops) if (s.length === 0) throw new RangeError("Stop strings must not be empty");
  }

  /** Adds new text; returns what is safe to emit and whether a stop string was reached. */
  push(text: string): { text: string; stopped: boolean } {
    if (this.stops.length === 0) return { text, stopped: false };
    this.pending += text;
    let first = -1;
    for (const s of this.stops) {
      const at = this.pending.indexOf(s);
      if (at !== -1 && (first === -1 || at < first)) first = at;
    }
    if (first !== -1) {
      const out = this.pending.slice(0, first);
      this.pending = "";
      return { text: out, stopped: true };
    }
    // Keep the longest suffix that is a proper prefix of some stop string.
    let keep = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, this.pending.length); k > keep; k--) {
        if (this.pending.endsWith(s.slice(0, k))) {
          keep = k;
          break;
        }
      }
    }
    const out = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    return { text: out, stopped: false };
  }

  /** End of stream: whatever is still held (plus `tail`) can no longer become a stop string. */
  flush(tail = ""): string {
    const out = this.pending + tail;
    this.pending = "";
    return out;
  }
}
