// memory_report and the host figures: a domain's reported Rss/Pss shows in /api/memory and
// /metrics, bad values are refused and change nothing, more than one a second is ignored, and the
// memory file's resident bytes count toward the host total when a file is plugged in.
import { SCHEDOP, SHUTDOWN } from "@xenfs/proto";
import { fileResidentBytes } from "@xenfs/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok } from "../../test/guest-ops.js";
import { startTestHost, type TestHost } from "../../test/host.js";
import type { HostMemory } from "./host-memory.js";
import { MAX_REPORTED_BYTES, MAX_REPORTED_CPU_USEC } from "./report.js";

const MiB = 1024 * 1024;

interface MemoryApi {
  domains: { domid: number; rssBytes: number | null; pssBytes: number | null }[];
  host: HostMemory;
}

describe("memory_report", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(() => host.hv.close());

  it("shows a domain's reported Rss and Pss in /api/memory, /api/domains and /metrics", async () => {
    const guest = await host.guest("reporter");
    await ok(guest.call({ memoryReport: { rssBytes: 48 * MiB, pssBytes: 30 * MiB } }));

    const memory = await host.api<MemoryApi>("/api/memory");
    expect(memory.domains.find((d) => d.domid === guest.domid)).toMatchObject({
      rssBytes: 48 * MiB,
      pssBytes: 30 * MiB,
    });
    const { host: figures } = memory;
    expect(figures.domains).toEqual([
      {
        domid: guest.domid,
        name: "reporter",
        rssBytes: 48 * MiB,
        pssBytes: 30 * MiB,
        ageMs: expect.any(Number),
      },
    ]);
    expect(figures.reportedPssBytes).toBe(30 * MiB);
    // The hypervisor reads its own figures from /proc (Linux, where these tests run).
    expect(figures.hypervisor?.pid).toBe(process.pid);
    expect(figures.hypervisor?.pssBytes).toBeGreaterThan(0);
    expect(figures.totalBytes).toBe(
      (figures.hypervisor?.pssBytes ?? 0) + 30 * MiB + (figures.memoryFile?.residentBytes ?? 0),
    );

    const domains = await host.api<{ domid: number; rssBytes: number | null }[]>("/api/domains");
    expect(domains.find((d) => d.domid === guest.domid)?.rssBytes).toBe(48 * MiB);

    const text = await (await fetch(`${host.hv.httpUrl}/metrics`)).text();
    expect(text).toContain(`xen_domain_memory_rss_bytes{domid="${guest.domid}",name="reporter"} ${48 * MiB}`);
    expect(text).toContain(`xen_domain_memory_pss_bytes{domid="${guest.domid}",name="reporter"} ${30 * MiB}`);
    expect(text).toMatch(/^xen_host_memory_bytes \d+$/m);
    expect(text).toMatch(/^xen_hypervisor_memory_pss_bytes \d+$/m);
    await guest.close();
  });

  it("shows the reported CPU time as xl list's Time(s) in /api/domains, and refuses more than a year", async () => {
    const guest = await host.guest("busy");
    type Listed = { domid: number; cpuSeconds: number | null };
    const before = await host.api<Listed[]>("/api/domains");
    expect(before.find((d) => d.domid === guest.domid)?.cpuSeconds).toBeNull();
    await ok(guest.call({ memoryReport: { rssBytes: 8 * MiB, pssBytes: 4 * MiB, cpuUsec: 2_500_000 } }));
    const after = await host.api<Listed[]>("/api/domains");
    expect(after.find((d) => d.domid === guest.domid)?.cpuSeconds).toBe(2.5);
    const reply = await guest.call({
      memoryReport: { rssBytes: MiB, pssBytes: MiB, cpuUsec: MAX_REPORTED_CPU_USEC + 1 },
    });
    expect(reply).toMatchObject({ code: "EINVAL", message: expect.stringMatching(/cpu_usec \d+ is not µs/) });
    await guest.close();
  });

  it("keeps at most one report a second per domain: the second in a burst is ignored", async () => {
    const guest = await host.guest("chatty");
    const replies = await guest.multicall([
      { memoryReport: { rssBytes: 20 * MiB, pssBytes: 10 * MiB } },
      { memoryReport: { rssBytes: 90 * MiB, pssBytes: 80 * MiB } },
    ]);
    expect(replies.map((r) => r.status)).toEqual([0, 0]);
    const memory = await host.api<MemoryApi>("/api/memory");
    expect(memory.host.domains.find((d) => d.domid === guest.domid)).toMatchObject({
      rssBytes: 20 * MiB,
      pssBytes: 10 * MiB,
    });
    await guest.close();
  });

  it.each([
    ["Pss above Rss", { rssBytes: MiB, pssBytes: 2 * MiB }, /pss_bytes 2097152 exceeds rss_bytes 1048576/],
    [
      "past the bound",
      { rssBytes: MAX_REPORTED_BYTES + 1, pssBytes: 0 },
      /rss_bytes \d+ is not a byte count/,
    ],
    [
      "negative (wraps to 2^64 − 1 on the wire)",
      { rssBytes: MiB, pssBytes: -1 },
      /pss_bytes \d+ is not a byte count/,
    ],
  ])("refuses a report with %s (EINVAL), keeping the last good one", async (what, args, message) => {
    const guest = await host.guest(`bad-${what.length}`);
    await ok(guest.call({ memoryReport: { rssBytes: 8 * MiB, pssBytes: 4 * MiB } }));
    const reply = await guest.call({ memoryReport: args });
    expect(reply).toMatchObject({ status: -22, code: "EINVAL", message: expect.stringMatching(message) });
    const memory = await host.api<MemoryApi>("/api/memory");
    expect(memory.host.domains.find((d) => d.domid === guest.domid)).toMatchObject({
      rssBytes: 8 * MiB,
      pssBytes: 4 * MiB,
    });
    await guest.close();
  });

  it("drops a domain's figures from the host total when it is destroyed", async () => {
    const guest = await host.guest("leaving");
    await ok(guest.call({ memoryReport: { rssBytes: 6 * MiB, pssBytes: 5 * MiB } }));
    await ok(guest.call({ schedOp: { cmd: SCHEDOP.shutdown, reason: SHUTDOWN.poweroff } }));
    await guest.closed;
    const memory = await host.api<MemoryApi>("/api/memory");
    expect(memory.host.domains.map((d) => d.domid)).not.toContain(guest.domid);
  });
});

describe("host memory with the machine-memory file", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host.hv.close();
  });

  it("counts the file's resident bytes in /api/memory, /metrics and the host total", async () => {
    const { path } = host.hv.memory;
    const { host: figures } = await host.api<MemoryApi>("/api/memory");
    const resident = fileResidentBytes(path) ?? -1;
    expect(figures.memoryFile).toEqual({ path, residentBytes: resident });
    expect(figures.totalBytes).toBe(
      (figures.hypervisor?.pssBytes ?? 0) + figures.reportedPssBytes + resident,
    );
    const text = await (await fetch(`${host.hv.httpUrl}/metrics`)).text();
    expect(text).toContain(`xen_memory_file_resident_bytes ${fileResidentBytes(path)}`);
  });
});
