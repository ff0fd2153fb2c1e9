// The scenario of `pnpm test:swarm` (infra/swarm/run.sh deploys the stack and removes it): both
// hosts of docker-compose.yml come up as swarm services, then guests migrate from host a to host
// b and back with xl run in each host's dom0 (migrate.ts). Prints the figures; exit 1 on failure.
import { printFigures } from "./figures.js";
import { migrateBetweenHosts } from "./migrate.js";
import { swarmShell } from "./shell.js";
import { seconds, waitFor } from "./wait.js";

const STARTUP_MS = 240_000;

async function main(): Promise<number> {
  const stack = process.env["XENFS_STACK"];
  if (!stack) throw new Error("XENFS_STACK names no stack");
  const shell = swarmShell(stack);
  const figures: [string, string | number][] = [];
  const startedAt = Date.now();
  // A stack starts every service at once: each waits for what it needs by retrying.
  await waitFor("host a's dom0 and a guest", STARTUP_MS, async () => {
    const domains = await shell.exec("dom0", ["xl", "list"]);
    await shell.exec("domu", ["node", "/usr/local/lib/xenfs/readyz.mjs"]);
    return domains.includes("Domain-0");
  });
  figures.push(["stack up (host a's dom0 and a guest ready)", `${seconds(startedAt)} s`]);
  let failure: Error | undefined;
  try {
    await migrateBetweenHosts({ shell, figure: (name, value) => figures.push([name, value]) });
  } catch (error) {
    failure = error as Error;
  }
  printFigures(figures, "swarm-test figures");
  if (failure) {
    console.error(`swarm-test: FAILED: ${failure.message}`);
    return 1;
  }
  console.log("swarm-test: passed");
  return 0;
}

process.exitCode = await main().catch((error: Error) => {
  console.error(`swarm-test: ${error.message}`);
  return 1;
});
