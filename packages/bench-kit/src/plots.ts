// Hand-written SVG plots for a suite's figures, with no plotting dependency: grouped horizontal
// bars (one panel per workload, one bar per setup) and a line chart (one line per series).
import { formatNumber } from "./format.js";

export interface Bar {
  readonly label: string;
  /** Absent: the setup could not run this workload; `note` says why. */
  readonly value?: number;
  readonly note?: string;
}

export interface BarPanel {
  readonly title: string;
  readonly unit: string;
  readonly bars: readonly Bar[];
}

export interface Series {
  readonly label: string;
  readonly points: readonly (readonly [x: number, y: number])[];
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

/** Colours a reader tells apart, also in grey print; a label keeps its colour in every plot. */
const PALETTE = ["#4a7ebb", "#e08a2c", "#5aa55a", "#c9473f", "#8c6bb1", "#8c564b", "#d67fbf", "#7f7f7f"];
const STYLE =
  "<style>text{font:12px sans-serif;fill:#222}.title{font-size:16px;font-weight:bold}" +
  ".panel{font-weight:bold}.note{fill:#777;font-style:italic}.axis{stroke:#222;fill:none}" +
  ".grid{stroke:#ddd;fill:none}</style>";

/** One colour per label, in the order labels first appear. */
export function colours(labels: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const label of labels) {
    if (!map.has(label)) map.set(label, PALETTE[map.size % PALETTE.length] ?? "#4a7ebb");
  }
  return map;
}

const WIDTH = 760;
const LABEL = 150;
const BAR_MAX = 460;
const ROW = 20;

/** Panels of horizontal bars, each panel on its own scale (its own unit). */
export function renderBarPanels(title: string, panels: readonly BarPanel[]): string {
  const colour = colours(panels.flatMap((p) => p.bars.map((b) => b.label)));
  const parts: string[] = [];
  let y = 44;
  for (const panel of panels) {
    parts.push(`<text x="10" y="${y}" class="panel">${escapeXml(`${panel.title} (${panel.unit})`)}</text>`);
    y += 8;
    const max = Math.max(0, ...panel.bars.map((b) => b.value ?? 0)) || 1;
    for (const bar of panel.bars) {
      const mid = y + ROW / 2 + 4;
      parts.push(`<text x="${LABEL - 8}" y="${mid}" text-anchor="end">${escapeXml(bar.label)}</text>`);
      if (bar.value === undefined) {
        parts.push(
          `<text x="${LABEL}" y="${mid}" class="note">${escapeXml(bar.note ?? "not measured")}</text>`,
        );
      } else {
        const width = (Math.max(0, bar.value) / max) * BAR_MAX;
        parts.push(
          `<rect x="${LABEL}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 6}" fill="${colour.get(bar.label)}"/>`,
          `<text x="${(LABEL + width + 6).toFixed(1)}" y="${mid}">${escapeXml(formatNumber(bar.value))}</text>`,
        );
      }
      y += ROW;
    }
    y += 22;
  }
  return document(title, WIDTH, y, parts);
}

const PLOT = { left: 70, top: 44, width: 480, height: 300 };

/** Lines through each series' points over shared linear axes from 0; the legend on the right. */
export function renderLineChart(chart: LineChart): string {
  const colour = colours(chart.series.map((s) => s.label));
  const points = chart.series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...points.map(([x]) => x));
  const yMax = niceCeiling(Math.max(0, ...points.map(([, y]) => y)));
  const px = (x: number) => PLOT.left + (x / xMax) * PLOT.width;
  const py = (y: number) => PLOT.top + PLOT.height - (y / yMax) * PLOT.height;
  const bottom = PLOT.top + PLOT.height;
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const value = (yMax * i) / 4;
    const y = py(value).toFixed(1);
    parts.push(
      `<path d="M${PLOT.left} ${y}H${PLOT.left + PLOT.width}" class="grid"/>`,
      `<text x="${PLOT.left - 6}" y="${Number(y) + 4}" text-anchor="end">${escapeXml(formatNumber(value))}</text>`,
    );
  }
  for (const x of [...new Set(points.map(([x]) => x))].sort((a, b) => a - b)) {
    parts.push(`<text x="${px(x).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${x}</text>`);
  }
  parts.push(
    `<path d="M${PLOT.left} ${PLOT.top}V${bottom}H${PLOT.left + PLOT.width}" class="axis"/>`,
    `<text x="${PLOT.left + PLOT.width / 2}" y="${bottom + 34}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text x="16" y="${PLOT.top + PLOT.height / 2}" text-anchor="middle" transform="rotate(-90 16 ${PLOT.top + PLOT.height / 2})">${escapeXml(chart.yLabel)}</text>`,
  );
  chart.series.forEach((series, i) => {
    const stroke = colour.get(series.label);
    const sorted = [...series.points].sort((a, b) => a[0] - b[0]);
    if (sorted.length > 0) {
      const d = sorted.map(([x, y], k) => `${k === 0 ? "M" : "L"}${px(x).toFixed(1)} ${py(y).toFixed(1)}`);
      parts.push(`<path d="${d.join("")}" stroke="${stroke}" stroke-width="2" fill="none"/>`);
      for (const [x, y] of sorted) {
        parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${stroke}"/>`);
      }
    }
    const ly = PLOT.top + 10 + i * 18;
    const lx = PLOT.left + PLOT.width + 20;
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${stroke}"/>`,
      `<text x="${lx + 18}" y="${ly + 1}">${escapeXml(series.label)}</text>`,
    );
  });
  return document(chart.title, WIDTH, bottom + 50, parts);
}

/** 1, 2 or 5 × a power of ten, at or above `value`: round axis labels. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
  return step * power;
}

function document(title: string, width: number, height: number, parts: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    STYLE,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" class="title">${escapeXml(title)}</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
