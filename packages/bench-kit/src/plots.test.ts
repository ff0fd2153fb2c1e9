import { describe, expect, it } from "vitest";
import { niceCeiling, renderBarPanels, renderLineChart } from "./plots.js";

describe("plots", () => {
  it("draws a bar per measured setup on its panel's scale, and says why a setup has none", () => {
    const svg = renderBarPanels("xenfs", [
      {
        title: "cold seq read",
        unit: "MB/s",
        bars: [
          { label: "shared", value: 200 },
          { label: "http", value: 100 },
          { label: "nfs", note: "no positional read" },
        ],
      },
    ]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("<title>xenfs</title>");
    const widths = [...svg.matchAll(/<rect x="150" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([460, 230]);
    expect(svg).toContain("no positional read");
    expect(svg).toContain("cold seq read (MB/s)");
  });

  it("draws one line per series through its points, sorted by x, with a legend entry each", () => {
    const svg = renderLineChart({
      title: "host memory",
      xLabel: "readers",
      yLabel: "MiB",
      series: [
        {
          label: "shared",
          points: [
            [8, 100],
            [1, 50],
          ],
        },
        {
          label: "block <ext4>",
          points: [
            [1, 60],
            [8, 400],
          ],
        },
      ],
    });
    const lines = [...svg.matchAll(/<path d="(M[^"]+)" stroke=/g)].map((m) => m[1]);
    expect(lines).toHaveLength(2);
    // x 1 → left + 1/8 of the width; the first point of each line is the smallest x.
    expect(lines[0]?.startsWith("M130.0 ")).toBe(true);
    expect(svg).toContain("block &#60;ext4&#62;");
  });

  it("rounds an axis up to 1, 2 or 5 times a power of ten", () => {
    expect([niceCeiling(0), niceCeiling(7), niceCeiling(12), niceCeiling(430), niceCeiling(1000)]).toEqual([
      1, 10, 20, 500, 1000,
    ]);
  });
});
