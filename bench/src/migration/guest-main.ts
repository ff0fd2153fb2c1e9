// The migration benchmark's guest (bench/src/migration.ts): a process that holds GUEST_MIB of its
// own frames, keeps making requests (XenStore reads, one after another) and, with DIRTY_PERCENT,
// rewrites that share of its frames every second. stdout: ready, stats. stdin: {cmd:"stats"}.
// env: XEN_HYPERVISOR_URL, XEN_CLUSTER_TOKEN, GUEST_NAME, GUEST_MIB, DIRTY_PERCENT.
import { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { commands, fail, report, requireEnv } from "@xenfs/testkit/stdio";

const guest = await XenDomain.join({
  url: requireEnv("XEN_HYPERVISOR_URL"),
  token: requireEnv("XEN_CLUSTER_TOKEN"),
  name: requireEnv("GUEST_NAME"),
  suspendMs: 60_000,
});
guest.session.on("lost", fail);
await guest.enableSuspend();
const frames = (Number(requireEnv("GUEST_MIB")) * 1024 * 1024) / XEN_PAGE_SIZE;
const gpfns: number[] = [];
// Populated in slices: one reservation call per 1,024 frames.
for (let left = frames; left > 0; left -= 1024)
  gpfns.push(...(await guest.memory.populatePhysmap(Math.min(1024, left))));
const page = (seed: number) => new Uint8Array(XEN_PAGE_SIZE).fill(seed & 0xff);
for (let i = 0; i < gpfns.length; i += 64)
  await Promise.all(gpfns.slice(i, i + 64).map((gpfn) => guest.memory.write(gpfn, 0, page(gpfn))));

/** The longest a request waited for its answer: across a migration, the downtime the guest sees. */
let longestStallMs = 0;
let requests = 0;
void (async () => {
  for (;;) {
    const asked = performance.now();
    await guest.xs.read("name").catch(fail);
    longestStallMs = Math.max(longestStallMs, performance.now() - asked);
    requests++;
    await new Promise((resolve) => setImmediate(resolve));
  }
})();

// DIRTY_PERCENT of the frames rewritten each second, a tenth of them every 100 ms.
const perTick = Math.round((frames * Number(process.env["DIRTY_PERCENT"] ?? "0")) / 100 / 10);
let next = 0;
let written = 0;
if (perTick > 0) {
  setInterval(() => {
    const batch = Array.from({ length: perTick }, () => gpfns[next++ % gpfns.length] as number);
    void Promise.all(batch.map((gpfn) => guest.memory.write(gpfn, 0, page(gpfn + next)))).then(() => {
      written += batch.length;
    }, fail);
  }, 100);
}

report("ready", { domid: guest.domid, frames });
for await (const command of commands<{ cmd: "stats" }>()) {
  if (command.cmd !== "stats") continue;
  report("stats", { domid: guest.domid, url: guest.session.url, longestStallMs, requests, written });
  longestStallMs = 0;
}
