import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BenchKitError } from "./errors.js";
import { type EvaluatedRow, evaluate, type SuiteResults } from "./rows.js";
import { renderSvg } from "./svg.js";
import { formatTable } from "./table.js";

/** The JSON a suite's run is saved as. */
export interface SuiteReport {
  readonly suite: string;
  readonly at: string;
  readonly calibration: SuiteResults["calibration"];
  readonly rows: readonly EvaluatedRow[];
}

export interface WrittenReport {
  readonly report: SuiteReport;
  readonly table: string;
  readonly files: {
    readonly json: string;
    readonly latestJson: string;
    readonly svg: string;
    readonly latestSvg: string;
  };
}

const SUITE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Evaluates the suite and writes, under `dir`, `<suite>-<timestamp>.json` and `.svg` plus
 * `<suite>-latest.json` and `.svg`. The timestamp is ISO 8601 with `:` as `-`, so the names are
 * valid on every file system. Returns the report and its text table for printing.
 */
export async function writeReport(
  results: SuiteResults,
  dir: string,
  now = new Date(),
): Promise<WrittenReport> {
  if (!SUITE_NAME.test(results.suite)) {
    throw new BenchKitError(
      "BAD_SUITE_NAME",
      `suite name ${JSON.stringify(results.suite)} is not a file name`,
    );
  }
  const rows = evaluate(results);
  const report: SuiteReport = {
    suite: results.suite,
    at: now.toISOString(),
    calibration: results.calibration,
    rows,
  };
  const stamp = report.at.replaceAll(":", "-");
  const base = (tag: string) => join(dir, `${results.suite}-${tag}`);
  const files = {
    json: `${base(stamp)}.json`,
    latestJson: `${base("latest")}.json`,
    svg: `${base(stamp)}.svg`,
    latestSvg: `${base("latest")}.svg`,
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const svg = renderSvg(results.suite, rows);
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(files.json, json),
    writeFile(files.latestJson, json),
    writeFile(files.svg, svg),
    writeFile(files.latestSvg, svg),
  ]);
  return { report, table: formatTable(results.suite, results.calibration, rows), files };
}
