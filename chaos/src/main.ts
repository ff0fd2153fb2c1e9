// pnpm chaos [scenario…] [--seed N] [--list] [--check history.json]: runs named scenarios
// (chaos/scenarios/<name>.json, .yaml or .yml) or scenario files, saves each history under
// results/chaos/, prints each summary, exits 1 on any violation (docs/chaos.md).
import { access, readdir, readFile } from "node:fs/promises";
import { extname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type RunResult, runScenario } from "./run.js";
import { checkHistory, loadRun } from "./saved.js";
import { parseScenarioText, type Scenario } from "./scenario.js";
import { setSummary, summary } from "./summary.js";

const SCENARIOS = fileURLToPath(new URL("../scenarios/", import.meta.url));
/** Where each run's history goes (the repository's results/, which git ignores). */
const HISTORIES = fileURLToPath(new URL("../../results/chaos/", import.meta.url));
/** Where pnpm was run from (pnpm runs the script in chaos/). */
const { INIT_CWD: CALLER_DIR = process.cwd() } = process.env;

/** What a scenario file may be written in. */
const EXTENSIONS = [".json", ".yaml", ".yml"] as const;

/** The named scenarios, or every one of them. */
export async function scenarioNames(): Promise<string[]> {
  return (await readdir(SCENARIOS))
    .filter((f) => EXTENSIONS.some((ext) => f.endsWith(ext)))
    .map((f) => f.slice(0, -extname(f).length))
    .sort();
}

/** A named scenario's file, whichever extension it has. */
async function namedPath(name: string): Promise<string> {
  for (const ext of EXTENSIONS) {
    const path = join(SCENARIOS, `${name}${ext}`);
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return join(SCENARIOS, `${name}.json`);
}

export async function loadScenario(nameOrPath: string, seed?: number): Promise<Scenario> {
  const path = EXTENSIONS.some((ext) => nameOrPath.endsWith(ext))
    ? isAbsolute(nameOrPath)
      ? nameOrPath
      : resolve(CALLER_DIR, nameOrPath)
    : await namedPath(nameOrPath);
  const text = await readFile(path, "utf8").catch(() => {
    throw new Error(`no scenario ${nameOrPath} (${path})`);
  });
  try {
    return parseScenarioText(text, path.endsWith(".json") ? "json" : "yaml", seed);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      seed: { type: "string" },
      list: { type: "boolean" },
      check: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "usage: pnpm chaos [scenario|file.json|file.yaml …] [--seed N] [--list]   (no scenario: every named one)\n" +
        "       pnpm chaos --check results/chaos/<scenario>-seed<N>.json   (check a saved history again)",
    );
    return 0;
  }
  if (values.check !== undefined) {
    const path = resolve(CALLER_DIR, values.check);
    const run = await loadRun(path);
    const started = performance.now();
    const violations = checkHistory(run);
    console.error(
      `${run.scenario} (seed ${run.seed}): ${run.ops.length} operations checked in ${Math.round(performance.now() - started)} ms`,
    );
    for (const v of violations) console.log(`${v.kind}: ${v.detail}`);
    console.log(`${violations.length} violation(s); the teardown's counts are checked only in a live run`);
    return violations.length === 0 ? 0 : 1;
  }
  if (values.list) {
    for (const name of await scenarioNames())
      console.log(`${name}  ${(await loadScenario(name)).description}`);
    return 0;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 1))
    throw new Error("--seed: a whole number ≥ 1");
  const names = positionals.length > 0 ? positionals : await scenarioNames();
  let scenarios = await Promise.all(names.map((name) => loadScenario(name, seed)));
  if (positionals.length === 0) {
    // The whole set runs on local processes; a compose-cluster scenario needs Docker, root and
    // built images, so it runs only when named (docs/chaos.md#compose).
    for (const s of scenarios.filter((s) => s.host.kind !== "local"))
      console.error(`not in the whole set: ${s.name} (host: ${s.host.kind}; name it to run it)`);
    scenarios = scenarios.filter((s) => s.host.kind === "local");
  }
  let violations = 0;
  const results: RunResult[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, {
      log: (line) => console.error(line),
      saveHistory: join(HISTORIES, `${scenario.name}-seed${scenario.seed}.json`),
    });
    console.log(`\n${summary(result)}\n`);
    violations += result.violations.length;
    results.push(result);
  }
  if (results.length > 1) console.log(`the set:\n${setSummary(results)}\n`);
  return violations === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error((error as Error).message);
      process.exit(2);
    },
  );
}
