// Disk faults under a real dom0 process, seen by guest processes through XenFS: each errno reaches
// the guest, a write refused with EIO leaves none of its bytes for another guest or on disk, and a
// write dom0 dies in the middle of (torn_write) is re-issued by the guest to the restarted dom0,
// so the write it acknowledges is whole.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentOf } from "./content.js";
import { setDiskFaults } from "./faults.js";
import { LocalHost, type Service } from "./host.js";
import { parseScenario } from "./scenario.js";

const SIZE = 3 * 4096 + 100;

async function put(
  guest: Service,
  key: string,
  body: Uint8Array,
): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${guest.url}/fs/${key}`, { method: "PUT", body });
  const text = await response.text();
  return { status: response.status, code: /"code":"(E[A-Z]+)"/.exec(text)?.[1] };
}

async function get(guest: Service, key: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(`${guest.url}/fs/${key}`);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

describe.sequential("disk faults in dom0, through XenFS", () => {
  let host: LocalHost;
  let writer: Service;
  let reader: Service;
  const dom0Url = () => host.dom0?.url as string;

  beforeAll(async () => {
    host = await LocalHost.start(parseScenario({ name: "disk-faults", duration: "1s", host: { guests: 2 } }));
    writer = await host.startGuest(0);
    reader = await host.startGuest(1);
  }, 180_000);
  afterAll(async () => {
    await host?.stop();
  });

  it("EIO on a write reaches the guest, and no byte of it reaches another guest or the disk", async () => {
    const a = contentOf("f", 1, SIZE);
    expect((await put(writer, "f", a)).status).toBe(201);
    expect((await get(reader, "f")).body.equals(a)).toBe(true);
    await setDiskFaults(dom0Url(), "eio=write:path=f");
    expect(await put(writer, "f", contentOf("f", 2, SIZE))).toEqual({ status: 500, code: "EIO" });
    await setDiskFaults(dom0Url(), "");
    // The replace truncated the file before its write failed: empty, never the refused bytes.
    const seen = await get(reader, "f");
    expect([seen.status, seen.body.length]).toEqual([200, 0]);
    expect((await readFile(join(host.exportDir, "f"))).length).toBe(0);
  });

  it("EIO on a read reaches the guest; ENOSPC on a write reaches the guest", async () => {
    const g = contentOf("g", 1, SIZE);
    expect((await put(writer, "g", g)).status).toBe(201);
    await setDiskFaults(dom0Url(), "eio=read:path=g");
    expect((await get(reader, "g")).status).toBe(500);
    await setDiskFaults(dom0Url(), "enospc_after=4KiB");
    expect(await put(writer, "h", contentOf("h", 1, SIZE))).toEqual({ status: 507, code: "ENOSPC" });
    await setDiskFaults(dom0Url(), "");
    expect((await get(reader, "g")).body.equals(g)).toBe(true);
  });

  it("a write torn by dom0's death is re-issued to the restarted dom0 and acknowledged whole", async () => {
    const before = host.dom0;
    await setDiskFaults(dom0Url(), "torn_write:path=t");
    const t = contentOf("t", 1, SIZE);
    expect((await put(writer, "t", t)).status).toBe(201);
    expect(host.dom0).not.toBe(before);
    expect(host.crashes.map((crash) => crash.target)).toEqual(["dom0"]);
    expect((await readFile(join(host.exportDir, "t"))).equals(t)).toBe(true);
    expect((await get(reader, "t")).body.equals(t)).toBe(true);
  }, 120_000);
});
