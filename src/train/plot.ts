// The loss curve as a standalone SVG (training loss per step, validation loss at its evaluations,
// log-scaled y axis), written next to the checkpoints so a run can be watched in a browser.

import type { HistoryPoint } from "./checkpoint.js";

const W = 720;
const H = 420;
const M = { left: 64, right: 20, top: 36, bottom: 48 };

export function lossCurveSvg(history: readonly HistoryPoint[], title: string): string {
  const train = history.filter((p) => Number.isFinite(p.loss));
  const val = history.filter((p) => p.valLoss !== undefined && Number.isFinite(p.valLoss));
  const values = [...train.map((p) => p.loss), ...val.map((p) => p.valLoss!)].filter((v) => v > 0);
  const maxStep = Math.max(1, ...history.map((p) => p.step));
  const lo = Math.log(values.length ? Math.min(...values) * 0.95 : 0.1);
  const hi = Math.log(values.length ? Math.max(...values) * 1.05 : 10);
  const x = (step: number) => M.left + (step / maxStep) * (W - M.left - M.right);
  const y = (v: number) => M.top + (1 - (Math.log(v) - lo) / Math.max(1e-9, hi - lo)) * (H - M.top - M.bottom);
  const path = (pts: [number, number][]) => pts.map(([a, b], i) => `${i ? "L" : "M"}${a.toFixed(1)},${b.toFixed(1)}`).join("");
  // Raw per-step losses are noisy: draw them faint and a moving average on top.
  const smooth: [number, number][] = [];
  const k = Math.max(1, Math.round(train.length / 60));
  for (let i = 0; i < train.length; i++) {
    const win = train.slice(Math.max(0, i - k + 1), i + 1);
    smooth.push([x(train[i]!.step), y(win.reduce((s, p) => s + p.loss, 0) / win.length)]);
  }
  const ticks: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = Math.exp(lo + ((hi - lo) * i) / 4);
    ticks.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/><text x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(2)}</text>`);
    const s = Math.round((maxStep * i) / 4);
    ticks.push(`<text x="${x(s).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${s}</text>`);
  }
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>
${ticks.join("\n")}
<text x="${W / 2}" y="${H - 10}" text-anchor="middle">step</text>
<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">loss (log scale)</text>
<path d="${path(train.map((p) => [x(p.step), y(p.loss)]))}" fill="none" stroke="#9ecae1" stroke-width="1"/>
<path d="${path(smooth)}" fill="none" stroke="#08519c" stroke-width="2"/>
<path d="${path(val.map((p) => [x(p.step), y(p.valLoss!)]))}" fill="none" stroke="#e6550d" stroke-width="2"/>
${val.map((p) => `<circle cx="${x(p.step).toFixed(1)}" cy="${y(p.valLoss!).toFixed(1)}" r="3" fill="#e6550d"/>`).join("")}
<text x="${W - M.right - 150}" y="${M.top + 14}" fill="#08519c">training loss</text>
<text x="${W - M.right - 150}" y="${M.top + 30}" fill="#e6550d">validation loss</text>
</svg>
`;
}
