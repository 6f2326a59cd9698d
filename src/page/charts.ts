import type { LatencyPoint } from "../snapshot/latency";
import { formatMs } from "../text/checks";

// Response-time charts as inline SVG, drawn on the server from the snapshot: no chart library reaches the
// browser. The component page's script redraws the same geometry from the table when a check result
// arrives, so the numbers here (CHART) are shared with it.

export const CHART = { width: 720, height: 180, left: 52, right: 6, top: 8, bottom: 22 } as const;
const PLOT_W = CHART.width - CHART.left - CHART.right;
const PLOT_H = CHART.height - CHART.top - CHART.bottom;

/** The axis ceiling: the smallest of 1, 2, 2.5 or 5 times a power of ten at or above the highest p95. */
export function niceMax(ms: number): number {
  if (!(ms > 10)) return 10;
  const power = 10 ** Math.floor(Math.log10(ms));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= ms) return m * power;
  return 10 * power;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeText = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

const r1 = (n: number) => Math.round(n * 10) / 10;

/** A line through the values; a null is a gap (the line stops), never a zero. A lone value is a dot. */
export function linePath(values: (number | null)[], max: number): string {
  const step = PLOT_W / values.length;
  let d = "";
  values.forEach((v, i) => {
    if (v === null) return;
    const x = r1(CHART.left + (i + 0.5) * step);
    const y = r1(CHART.top + PLOT_H * (1 - Math.min(v, max) / max));
    const joined = i > 0 && values[i - 1] !== null;
    d += joined ? `L${x} ${y}` : `M${x} ${y}`;
    if (!joined && (i === values.length - 1 || values[i + 1] === null)) d += "h0";
  });
  return d;
}

/** The chart's SVG: shaded buckets (failed checks or downtime; maintenance), gridlines, p95 and p50. */
export function latencyChartSvg(points: LatencyPoint[], opts: { id: string; title: string; ticks: [string, string, string] }): string {
  const max = niceMax(Math.max(0, ...points.map((p) => p.p95_ms ?? p.p50_ms ?? 0)));
  const step = PLOT_W / points.length;
  const shades = points
    .map((p, i) => (p.shade ? `<rect class=sh-${p.shade} x=${r1(CHART.left + i * step)} y=${CHART.top} width=${r1(step)} height=${PLOT_H} />` : ""))
    .join("");
  const grid = [0, 0.5, 1]
    .map((f) => {
      const y = r1(CHART.top + PLOT_H * (1 - f));
      return `<line x1=${CHART.left} x2=${CHART.width - CHART.right} y1=${y} y2=${y} /><text x=${CHART.left - 4} y=${r1(y + 4)}>${formatMs(max * f)}</text>`;
    })
    .join("");
  const bottom = CHART.height - 6;
  const [first, middle, last] = opts.ticks;
  return (
    `<svg class=chart viewBox="0 0 ${CHART.width} ${CHART.height}" role=img aria-labelledby=${opts.id}-t data-max=${max}>` +
    `<title id=${opts.id}-t>${escapeText(opts.title)}</title>` +
    `<g class=sh>${shades}</g><g class=grid>${grid}</g>` +
    `<path class=p95 d="${linePath(points.map((p) => p.p95_ms), max)}" />` +
    `<path class=p50 d="${linePath(points.map((p) => p.p50_ms), max)}" />` +
    `<g class=ax><text x=${CHART.left} y=${bottom}>${first}</text><text x=${CHART.left + PLOT_W / 2} y=${bottom} class=mid>${middle}</text>` +
    `<text x=${CHART.width - CHART.right} y=${bottom} class=end>${last}</text></g></svg>`
  );
}
