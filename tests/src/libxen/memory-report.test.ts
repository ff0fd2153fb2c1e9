// Every domain reports its process's real memory through libxen: the hypervisor's /api/memory
// shows this process's Rss and Pss under the domain once it has joined.

import type { XenDomain } from "@xenfs/libxen";
import { XenError } from "@xenfs/libxen";
import { procMemory } from "@xenfs/service-kit";
import { joinGuest, startHypervisorProcess, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Hypervisor = Awaited<ReturnType<typeof startTestHypervisor>>;

interface HostDomain {
  domid: number;
  rssBytes: number;
  pssBytes: number;
}

describe("memory_report from libxen", () => {
  let hv: Hypervisor;
  const domains: XenDomain[] = [];
  beforeAll(async () => {
    hv = await startTestHypervisor();
  });
  afterAll(async () => {
    await Promise.allSettled(domains.map((d) => d.close()));
    await hv.close();
  });

  const reported = async () =>
    ((await (await fetch(`${hv.httpUrl}/api/memory`)).json()) as { host: { domains: HostDomain[] } }).host
      .domains;

  it("reports the process's Rss and Pss at join; a domain told not to report stays out", async () => {
    const quiet = await joinGuest(hv, "quiet", { memoryReportMs: 0 });
    domains.push(quiet);
    const loud = await joinGuest(hv, "loud");
    domains.push(loud);
    let mine: HostDomain | undefined;
    while (!mine) {
      mine = (await reported()).find((d) => d.domid === loud.domid);
      if (!mine) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const now = procMemory();
    expect(now).toBeDefined();
    expect(mine.pssBytes).toBeGreaterThan(0);
    expect(mine.pssBytes).toBeLessThanOrEqual(mine.rssBytes);
    // Same process, moments apart: the same order of size (within a factor of two).
    expect(mine.rssBytes).toBeGreaterThan((now?.rssBytes ?? 0) / 2);
    expect(mine.rssBytes).toBeLessThan((now?.rssBytes ?? 0) * 2);
    // The CPU time beside it: this process's, which has run for a while (xl list's Time(s)).
    const listed = (await (await fetch(`${hv.httpUrl}/api/domains`)).json()) as {
      domid: number;
      cpuSeconds: number | null;
    }[];
    const cpu = listed.find((d) => d.domid === loud.domid)?.cpuSeconds ?? 0;
    const { user, system } = process.cpuUsage();
    expect(cpu).toBeGreaterThan(0);
    expect(cpu).toBeLessThanOrEqual((user + system) / 1e6);
    // quiet joined first, so a report of its would have arrived before loud's.
    expect((await reported()).map((d) => d.domid)).not.toContain(quiet.domid);
  });

  it("refuses a bad interval before joining", async () => {
    await expect(joinGuest(hv, "bad", { memoryReportMs: -5 })).rejects.toThrow(XenError);
    await expect(joinGuest(hv, "bad", { memoryReportMs: -5 })).rejects.toThrow(/memoryReportMs/);
  });

  it("reaches a hypervisor that runs as its own process (its decoder reads uint64 as Long)", async () => {
    const process = await startHypervisorProcess();
    const guest = await joinGuest(process as unknown as Hypervisor, "apart");
    try {
      let cpu: number | null = null;
      for (let i = 0; i < 100 && cpu === null; i++) {
        const listed = (await (await fetch(`${process.httpUrl}/api/domains`)).json()) as {
          domid: number;
          rssBytes: number | null;
          cpuSeconds: number | null;
        }[];
        const mine = listed.find((d) => d.domid === guest.domid);
        if (mine?.rssBytes) cpu = mine.cpuSeconds;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(cpu).toBeGreaterThan(0);
    } finally {
      await guest.close();
      await process.stop();
    }
  });
});
