// dom0's hypervisor session lost for good (here: the hypervisor restarted): dom0-server goes not
// ready, joins the new hypervisor, serves XenFS again on new frames with its own faults applied
// again, and the files guests held open on the old session are closed.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { O } from "@xenfs/fsproto";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN, joinGuest, startTestHypervisor, tempExport } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFront } from "../test/fs-front.js";
import { ok } from "../test/ok.js";
import { type Dom0Server, startDom0Server } from "./app.js";

const LEASE_MS = 300;
const startHv = (port = 0) => startTestHypervisor({ memoryMb: 64, sessionLeaseMs: LEASE_MS, port });

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function faultsInForce(hv: Hypervisor): Promise<string> {
  const response = await fetch(`${hv.httpUrl}/api/faults`, {
    headers: { authorization: `Bearer ${DOM0_TOKEN}` },
  });
  return ((await response.json()) as { spec: string }).spec;
}

async function readHello(front: TestFront): Promise<string> {
  const path = await front.path("hello.txt");
  const { fd } = ok("open", await front.call({ op: "open", path, flags: O.O_RDONLY, mode: 0 }));
  const buf = await front.page();
  const { bytes } = ok(
    "read",
    await front.call({ op: "read", fd, len: 4096, offset: 0, pages: { grefs: [buf.ref] } }),
  );
  return new TextDecoder().decode(await front.read(buf, bytes));
}

describe("dom0 whose hypervisor session is lost", () => {
  let hv: Hypervisor;
  let server: Dom0Server;
  let dir: Awaited<ReturnType<typeof tempExport>>;
  const guests: XenDomain[] = [];
  const readyz = async () => (await fetch(`${server.httpUrl}/readyz`)).status;

  beforeAll(async () => {
    hv = await startHv();
    dir = await tempExport();
    await writeFile(join(dir.path, "hello.txt"), "hello, xenfs");
    server = await startDom0Server({
      hypervisorUrl: hv.url,
      dom0Token: DOM0_TOKEN,
      exportDir: dir.path,
      port: 0,
      cacheMb: 1,
      maxOpenFilesPerGuest: 1,
      faults: "delay=1ms",
    });
  });
  afterAll(async () => {
    await Promise.allSettled(guests.map((guest) => guest.close()));
    await server?.close();
    await hv?.close();
    await dir?.remove();
  });

  it("goes not ready, rejoins the new hypervisor and serves again, its own faults applied again", async () => {
    const before = await joinGuest(hv, "before");
    guests.push(before);
    const front = await TestFront.mount(before);
    expect(await readHello(front)).toBe("hello, xenfs"); // its one file stays open
    expect(await faultsInForce(hv)).toBe("delay=1ms@0");

    const { port } = hv;
    await hv.close();
    await until("dom0 to be not ready", async () => (await readyz()) === 503);
    hv = await startHv(port);
    await until("dom0 to be ready again", async () => (await readyz()) === 200);
    expect(await faultsInForce(hv)).toBe("delay=1ms@0");

    const after = await joinGuest(hv, "after");
    guests.push(after);
    // The same domid as the guest of the old session: had its file stayed open, EMFILE.
    expect(after.domid).toBe(before.domid);
    expect(await readHello(await TestFront.mount(after))).toBe("hello, xenfs");
    const cache = (await (await fetch(`${server.httpUrl}/api/cache`)).json()) as {
      guests: { domid: number }[];
    };
    expect(cache.guests.map((guest) => guest.domid)).toEqual([after.domid]);
  });
});
