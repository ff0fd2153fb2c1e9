// An mmap across two moves in a row (docs/migration.md#xenfs-frontend): the domain is saved again
// before the first move's backend connected, so its mapping was never mapped again in between.
// The second suspend has nothing of the mapping to give back, and the one connection after the
// second restore maps it once: it reads the file, and this guest holds its pages once.
import { writeFile as writeLocal } from "node:fs/promises";
import { join } from "node:path";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pattern, startTestHost, type TestHost } from "../../../test/xenfs-host.js";

const PAGE = 4096;

async function admin(host: TestHost, path: string, body?: Uint8Array): Promise<Response> {
  const res = await fetch(new URL(path, host.hv.httpUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${DOM0_TOKEN}`, "content-type": "application/octet-stream" },
    body: body ?? null,
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** xl save: the domain's image. */
async function save(host: TestHost, domain: XenDomain): Promise<Uint8Array> {
  return new Uint8Array(await (await admin(host, `/api/save/${domain.domid}`)).arrayBuffer());
}

/** xl restore; resolves once the guest process attached to the restored domain. */
async function restore(host: TestHost, domain: XenDomain, image: Uint8Array): Promise<void> {
  const before = domain.domid;
  await admin(host, "/api/restore", image);
  while (domain.domid === before) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("mount.mmap across two moves in a row", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.startDom0();
    await host?.stop();
  });

  it("maps the mapping once after a move that came before the last one's backend", async () => {
    const bytes = pattern(20 * PAGE, 5);
    await writeLocal(join(host.exportDir, "moved.bin"), bytes);
    const { domain, fs } = await host.guest("twice-moved", "shared");
    await domain.enableSuspend();
    const mapping = await fs.mmap("moved.bin", { length: bytes.length });
    expect(await mapping.read(0, bytes.length)).toEqual(bytes);
    const mapped = domain.grants.mappings.size;

    // No dom0 to connect to after the first restore: the frontend is still waiting when the
    // domain is saved again.
    const first = await save(host, domain);
    await host.stopDom0();
    await restore(host, domain, first);
    expect(fs.state).not.toBe("Connected");
    const second = await save(host, domain);
    await host.startDom0();
    await restore(host, domain, second);

    expect(await mapping.read(0, bytes.length)).toEqual(bytes);
    expect(fs.state).toBe("Connected");
    expect(domain.grants.mappings.size).toBe(mapped);
    expect(fs.snapshot().moves.suspends).toBe(2);
  }, 120_000);
});
