// A one-line progress display on stderr, shown only when stderr is a terminal so piped output
// and JSON on stdout stay clean.

export function progressLine(label: string): { update(done: number, total: number): void; done(): void } {
  const tty = process.stderr.isTTY;
  let last = -1;
  return {
    update(done, total) {
      if (!tty || total <= 0) return;
      const pct = Math.floor((done / total) * 100);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${pct}%`);
    },
    done() {
      if (tty && last >= 0) process.stderr.write("\n");
    },
  };
}
