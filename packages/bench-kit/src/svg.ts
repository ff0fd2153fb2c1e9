import { formatNumber } from "./format.js";
import type { EvaluatedRow } from "./rows.js";

const WIDTH = 760;
const LABEL = 220; // left column for row names
const BAR_MAX = 400;
const ROW = 24;
const PANEL_GAP = 36;

/**
 * A self-contained SVG bar chart: one panel per unit (bars in different units do not share an
 * axis), each bar the median, a whisker from min to max over repeats, a dashed line at a target.
 */
export function renderSvg(suite: string, rows: readonly EvaluatedRow[]): string {
  const units = [...new Set(rows.map((row) => row.unit))];
  const parts: string[] = [];
  let y = 40;
  for (const unit of units) {
    const panel = rows.filter((row) => row.unit === unit);
    const scaleMax =
      Math.max(...panel.flatMap((r) => [r.value, r.spread?.max ?? 0, r.target?.value ?? 0])) || 1;
    const x = (value: number) => LABEL + (Math.max(0, value) / scaleMax) * BAR_MAX;
    parts.push(`<text x="10" y="${y}" class="unit">${escapeXml(unit)}</text>`);
    y += 10;
    for (const row of panel) {
      const mid = y + ROW / 2;
      const fill = row.met === false ? "#d9534f" : "#4a7ebb";
      parts.push(
        `<text x="${LABEL - 8}" y="${mid + 4}" text-anchor="end">${escapeXml(row.name)}</text>`,
        `<rect x="${LABEL}" y="${y + 4}" width="${(x(row.value) - LABEL).toFixed(1)}" height="${ROW - 8}" fill="${fill}"/>`,
      );
      if (row.spread) {
        const [lo, hi] = [x(row.spread.min).toFixed(1), x(row.spread.max).toFixed(1)];
        parts.push(
          `<path d="M${lo} ${mid}H${hi}M${lo} ${mid - 5}V${mid + 5}M${hi} ${mid - 5}V${mid + 5}" class="whisker"/>`,
        );
      }
      if (row.target) {
        const tx = x(row.target.value).toFixed(1);
        parts.push(`<path d="M${tx} ${y}V${y + ROW}" class="target"/>`);
      }
      parts.push(
        `<text x="${LABEL + BAR_MAX + 12}" y="${mid + 4}">${escapeXml(formatNumber(row.value))} ${escapeXml(unit)}</text>`,
      );
      y += ROW;
    }
    y += PANEL_GAP;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    "<style>text{font:12px sans-serif;fill:#222}.title{font-size:16px;font-weight:bold}.unit{font-weight:bold}" +
      ".whisker{stroke:#222;fill:none}.target{stroke:#222;stroke-dasharray:4 3;fill:none}</style>",
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" class="title">${escapeXml(suite)}</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
