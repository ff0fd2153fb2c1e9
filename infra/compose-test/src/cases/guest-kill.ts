// A guest killed outright gives everything back: one more replica joins and reads, is killed
// (SIGKILL, no clean unmount), and once its lease is over the hypervisor's frames in use, grants,
// mappings and ports are where they were before it joined. It reads a file already in dom0's
// page cache, so the cache (dom0's, kept after the guest) does not grow.
import { type Cluster, type DomainInfo, isReady, readGuestFile } from "../cluster.js";
import { type CaseContext, recoveryBudgetMs, type TestCase } from "../context.js";
import { docker } from "../docker.js";
import { seconds, waitFor } from "../wait.js";

interface Usage {
  readonly frames: number;
  readonly grants: number;
  readonly maps: number;
  readonly ports: number;
}

async function usage(cluster: Cluster): Promise<Usage> {
  const [memory, domains] = await Promise.all([cluster.memory(), cluster.domains()]);
  const sum = (key: keyof DomainInfo & keyof Usage) => domains.reduce((n, d) => n + d[key], 0);
  return { frames: memory.frames.used, grants: sum("grants"), maps: sum("maps"), ports: sum("ports") };
}

const FILE = "data/random-2MiB.bin";

const same = (a: Usage, b: Usage): boolean =>
  a.frames === b.frames && a.grants === b.grants && a.maps === b.maps && a.ports === b.ports;
const show = (u: Usage): string => `${u.frames} frames, ${u.grants} grants, ${u.maps} maps, ${u.ports} ports`;

async function joinOneMore(ctx: CaseContext): Promise<string> {
  const known = new Set(ctx.guests.map((g) => g.id));
  // --no-deps: one more replica, not another pass over its dependencies (which re-runs
  // export-seed and fails outright on a dom0 whose health check timed out under load); the
  // replica waits for dom0 by itself, and the case waits for the replica.
  await ctx.compose.run(
    "up",
    "-d",
    "--no-recreate",
    "--no-deps",
    "--scale",
    `domu=${known.size + 1}`,
    "domu",
  );
  const ids = await ctx.compose.running("domu");
  const id = ids.find((i) => !known.has(i));
  if (!id) throw new Error("no new domu replica came up");
  return id;
}

export const guestKill: TestCase = {
  name: "guest-kill",
  withWrites: false,
  async run(ctx) {
    await readGuestFile(ctx.guests[0]!, FILE);
    const before = await usage(ctx.cluster);
    const id = await joinOneMore(ctx);
    try {
      const guest = (await ctx.cluster.guests()).find((g) => g.id === id)!;
      await waitFor("the new guest to mount", recoveryBudgetMs(ctx), () => isReady(guest));
      await readGuestFile(guest, FILE);
      const joined = await usage(ctx.cluster);
      const domain = await ctx.cluster.domainOf(guest);
      if (!domain) throw new Error("the new guest has no domain");

      await docker("kill", id);
      const killedAt = Date.now();
      let last = joined;
      const after = await waitFor(
        `domain ${domain.domid}'s resources to return (before it joined: ${show(before)})`,
        recoveryBudgetMs(ctx),
        async () => {
          last = await usage(ctx.cluster);
          const listed = (await ctx.cluster.domains()).some((d) => d.domid === domain.domid);
          return !listed && same(last, before) && last;
        },
      ).catch((error: Error) => {
        throw new Error(`${error.message}; last seen: ${show(last)}`);
      });
      ctx.figure("guest killed: in use before it joined", show(before));
      ctx.figure("guest killed: in use while it ran", show(joined));
      ctx.figure("guest killed: in use after", show(after));
      ctx.figure("guest killed: resources back after (s)", seconds(killedAt));
    } finally {
      await docker("rm", "-f", id);
    }
  },
};
