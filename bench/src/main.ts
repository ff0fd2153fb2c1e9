// `pnpm bench`: runs every suite of this folder — a top-level module exporting
// `run<Name>Bench(resultsDir)` — core first, then the others by name. Results go to <repo>/results.
// Suite names as arguments (`pnpm --filter @xenfs/bench bench -- scale`) run only those.
import { readdir } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { WrittenReport } from "@xenfs/bench-kit";

type Suite = (resultsDir: string) => Promise<unknown>;

const SRC_DIR = fileURLToPath(new URL(".", import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL("../../results/", import.meta.url));
const SUITE_EXPORT = /^run[A-Z]\w*Bench$/;
const FIRST = "core.ts";

async function findSuites(): Promise<{ file: string; name: string; run: Suite }[]> {
  const files = (await readdir(SRC_DIR))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "main.ts")
    .sort((a, b) => Number(b === FIRST) - Number(a === FIRST) || a.localeCompare(b));
  const suites = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(`${SRC_DIR}${file}`).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (SUITE_EXPORT.test(name) && typeof value === "function")
        suites.push({ file, name, run: value as Suite });
    }
  }
  return suites;
}

function isWrittenReport(value: unknown): value is WrittenReport {
  return typeof value === "object" && value !== null && "report" in value && "files" in value;
}

/** One line a suite: how long it took and, for a bench-kit report, its targets and files. */
function summary(name: string, seconds: number, result: unknown): string {
  const took = `${name}: done in ${seconds.toFixed(1)} s`;
  if (!isWrittenReport(result)) return took;
  const targets = result.report.rows.filter((row) => row.met !== undefined);
  const met = targets.filter((row) => row.met).length;
  return `${took}, ${met}/${targets.length} targets met → ${result.files.latestJson}`;
}

/** The suites the command line names (by file: `scale` for scale.ts), or all of them. */
function selected<T extends { file: string }>(all: T[], args: readonly string[]): T[] {
  const names = args.filter((arg) => arg !== "--");
  if (names.length === 0) return all;
  const known = all.map((s) => s.file.replace(/\.ts$/, ""));
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    console.error(`bench: no suite ${unknown.join(", ")}; the suites are ${known.join(", ")}`);
    process.exit(2);
  }
  return all.filter((s) => names.includes(s.file.replace(/\.ts$/, "")));
}

const suites = selected(await findSuites(), process.argv.slice(2));
console.log(`bench: ${suites.length} suite(s): ${suites.map((s) => `${s.name} (${s.file})`).join(", ")}`);
let failed = 0;
for (const suite of suites) {
  console.log(`\n── ${suite.name} ──`);
  const start = performance.now();
  try {
    const result = await suite.run(RESULTS_DIR);
    console.log(summary(suite.name, (performance.now() - start) / 1000, result));
  } catch (error) {
    failed++;
    console.error(`${suite.name}: FAILED after ${((performance.now() - start) / 1000).toFixed(1)} s`, error);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
