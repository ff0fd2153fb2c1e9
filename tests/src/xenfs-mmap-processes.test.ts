// Shared mmap across two real guest processes (docs/mmap.md): the hypervisor, dom0 and two
// guests each their own OS process, both mapping one file range. A word both add 1 to 10,000
// times atomically ends at 20,000; a plain write by one is what the other reads next; msync
// puts the bytes in the file on dom0's export.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CLUSTER_TOKEN, JsonLinesProcess } from "@xenfs/testkit";
import { startXenfsHost, type XenfsHost } from "@xenfs/testkit-xenfs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PAGE = 4096;
const ADDS = 10_000;
const COUNTER = PAGE + 8; // in the mapping's second page, 8-byte aligned

function startMmapGuest(host: XenfsHost, name: string): JsonLinesProcess {
  return JsonLinesProcess.start(name, "tests/src/fixtures/mmap-guest.ts", {
    XEN_HYPERVISOR_URL: host.hv.url,
    XEN_CLUSTER_TOKEN: CLUSTER_TOKEN,
    XEN_DOMAIN_NAME: name,
    XEN_MEMORY_TRANSPORT: host.transport,
  });
}

/** Sends a command and takes its answer. */
async function run<T extends object = object>(
  guest: JsonLinesProcess,
  command: { cmd: string; [field: string]: unknown },
) {
  guest.send(command);
  return guest.event<T>(command.cmd, 300_000);
}

describe("shared mmap across two guest processes", () => {
  let host: XenfsHost;
  let a: JsonLinesProcess;
  let b: JsonLinesProcess;

  beforeAll(async () => {
    host = await startXenfsHost({ memoryMb: 64, cacheMb: 8, dom0ReadyMs: 120_000 });
    // The counter's page starts at zero; the first page holds bytes nobody writes.
    const initial = Buffer.alloc(3 * PAGE);
    initial.fill(0x2e, 0, PAGE);
    await writeFile(join(host.exportDir, "shared.bin"), initial);
    a = startMmapGuest(host, "mmap-a");
    b = startMmapGuest(host, "mmap-b");
    await Promise.all([a.event("mounted", 120_000), b.event("mounted", 120_000)]);
    const map = { cmd: "map", path: "shared.bin", offset: 0, length: 3 * PAGE };
    await Promise.all([run(a, map), run(b, map)]);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await host?.stop();
  });

  it("counts to 20,000 when each process adds 1 to one word 10,000 times", async () => {
    const add = { cmd: "add", offset: COUNTER, width: 8, times: ADDS };
    await Promise.all([run(a, add), run(b, add)]);
    for (const guest of [a, b]) {
      const { hex } = await run<{ hex: string }>(guest, { cmd: "read", offset: COUNTER, length: 8 });
      expect(Buffer.from(hex, "hex").readBigUInt64LE()).toBe(BigInt(2 * ADDS));
    }
  }, 600_000);

  it("shows one process's plain write to the other, across a page boundary", async () => {
    const message = Buffer.from("written by mmap-a, read by mmap-b");
    await run(a, { cmd: "write", offset: 2 * PAGE - 10, hex: message.toString("hex") });
    const seen = await run<{ hex: string }>(b, {
      cmd: "read",
      offset: 2 * PAGE - 10,
      length: message.length,
    });
    expect(Buffer.from(seen.hex, "hex")).toEqual(message);
    const reply = Buffer.from("and back");
    await run(b, { cmd: "write", offset: 3 * PAGE - reply.length, hex: reply.toString("hex") });
    const back = await run<{ hex: string }>(a, { cmd: "read", offset: 3 * PAGE - reply.length, length: 8 });
    expect(Buffer.from(back.hex, "hex")).toEqual(reply);
  });

  it("msync puts both processes' stores in the file on dom0's export", async () => {
    await run(b, { cmd: "msync" });
    const disk = await readFile(join(host.exportDir, "shared.bin"));
    expect(disk.length).toBe(3 * PAGE);
    expect(disk.readBigUInt64LE(COUNTER)).toBe(BigInt(2 * ADDS));
    expect(disk.subarray(2 * PAGE - 10, 2 * PAGE - 10 + 33).toString()).toBe(
      "written by mmap-a, read by mmap-b",
    );
    expect(disk.subarray(3 * PAGE - 8).toString()).toBe("and back");
    expect(disk[0]).toBe(0x2e); // untouched bytes stay
  });
});
