// `pnpm remus:trials [-- <n>]`: the Remus failover trial (trial.ts) n times (default 20), outside
// the default suite: each starts two hypervisor processes and a writing guest, kills the primary
// with SIGKILL under load, and checks every acknowledged write on the backup. Prints one line a
// trial and a summary; exits 1 if any acknowledged write was lost or a trial failed.
import { TRANSPORTS } from "@xenfs/testkit";
import { remusTrial } from "./trial.js";

const arg = process.argv.slice(2).find((a) => a !== "--");
const trials = arg === undefined ? 20 : Number(arg);
if (!Number.isInteger(trials) || trials < 1) {
  console.error(`remus:trials: ${arg} is not a number of trials`);
  process.exit(2);
}

let lostAcked = 0;
let failed = 0;
const failovers: number[] = [];
for (let i = 1; i <= trials; i++) {
  const transport = TRANSPORTS[(i - 1) % TRANSPORTS.length]!;
  // Kill at a different point each time: after 100 … 600 acknowledged writes.
  const ackedBeforeKill = 100 + ((i * 137) % 500);
  try {
    const r = await remusTrial({ transport, ackedBeforeKill, name: `trial-${i}` });
    lostAcked += r.missing.length;
    failovers.push(r.failoverMs);
    console.log(
      `trial ${i} (${transport}): ${r.acked} acknowledged (${r.ackedBeforeKill} before the kill), ` +
        `${r.missing.length} of them lost, ${r.lost} unacknowledged dropped, failover ${r.failoverMs} ms` +
        (r.missing.length > 0 ? ` — LOST: ${r.missing.slice(0, 20).join(", ")}` : ""),
    );
  } catch (error) {
    failed++;
    // The first line says what was awaited; the rest is the guest's error or its stderr's tail.
    const [what, ...rest] = (error as Error).message.split("\n");
    console.log(
      `trial ${i} (${transport}): FAILED — ${what}${rest.length ? `\n  ${rest.join("\n  ").slice(-1500)}` : ""}`,
    );
  }
}
failovers.sort((a, b) => a - b);
const median = failovers[Math.floor(failovers.length / 2)];
console.log(
  `remus:trials: ${trials} trials, ${failed} failed, ${lostAcked} acknowledged writes lost; ` +
    `failover (kill → guest attached) median ${median ?? "–"} ms, max ${failovers.at(-1) ?? "–"} ms`,
);
process.exit(lostAcked > 0 || failed > 0 ? 1 : 0);
