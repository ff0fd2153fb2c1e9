// The shm transport from a domain's side: frames read and written in place, a frame the domain
// neither owns nor maps refused here (nothing read, nothing written), a frame that leaves the
// domain refused at once, and a domain that cannot open the memory file falling back to socket.
import { openSync, readSync } from "node:fs";
import { rename } from "node:fs/promises";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("the shm transport", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  let secret: number;
  let fd: number;

  /** Bytes of dom0's frame `gpfn`, as the memory file holds them. */
  const fileBytes = async (gpfn: number, length: number) => {
    const [mfn] = (await dom0.session.call({ memTranslate: { gpfns: [gpfn] } })).memTranslate?.mfns ?? [];
    const out = new Uint8Array(length);
    readSync(fd, out, 0, length, (mfn as number) * XEN_PAGE_SIZE);
    return out;
  };

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv, { memoryTransport: "shm" });
    guest = await joinGuest(hv, "guest-shm", { memoryTransport: "shm" });
    await dom0.grants.setup(1);
    [secret] = (await dom0.memory.populatePhysmap(1)) as [number];
    await dom0.memory.write(secret, 0, Uint8Array.of(42, 42, 42));
    fd = openSync(hv.memory.path, "r");
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("joins on shm, and writes land in the memory file itself", async () => {
    expect([dom0.memoryTransport, guest.memoryTransport]).toEqual(["shm", "shm"]);
    expect(await fileBytes(secret, 3)).toEqual(Uint8Array.of(42, 42, 42));
  });

  it("refuses a frame the guest neither owns nor maps: nothing read, nothing written", async () => {
    // The guest names a gpfn it does not have (dom0's gpfn of the secret, or any other).
    for (const gpfn of [secret, 999]) {
      const target = new Uint8Array(3);
      expect(guest.memory.readHeld(gpfn, 0, 3, target, 0)).toBe(false);
      expect(target).toEqual(new Uint8Array(3));
      await expect(guest.memory.read(gpfn, 0, 3)).rejects.toMatchObject({ code: "EINVAL" });
      await expect(guest.memory.write(gpfn, 0, Uint8Array.of(1))).rejects.toMatchObject({ code: "EINVAL" });
      await expect(guest.memory.page(gpfn)).rejects.toMatchObject({ code: "EINVAL" });
    }
    expect(await fileBytes(secret, 3)).toEqual(Uint8Array.of(42, 42, 42));
  });

  it("refuses an unmapped frame at once, before the unmap is even answered", async () => {
    const ref = await dom0.grants.grantAccess(guest.domid, secret);
    const { handle, gpfn } = await guest.grants.mapGrantRef(0, ref);
    const view = await guest.memory.page(gpfn);
    expect(Array.from(view.read(0, 3))).toEqual([42, 42, 42]);
    const unmapping = guest.grants.unmapGrantRef(handle);
    expect(view.valid).toBe(false);
    expect(() => view.read(0, 1)).toThrow(expect.objectContaining({ code: "EFAULT" }));
    expect(() => view.write(0, Uint8Array.of(1))).toThrow(expect.objectContaining({ code: "EFAULT" }));
    expect(guest.memory.readHeld(gpfn, 0, 1, new Uint8Array(1), 0)).toBe(false);
    await unmapping;
    await expect(guest.memory.read(gpfn, 0, 1)).rejects.toMatchObject({ code: "EINVAL" });
    await dom0.grants.endAccess(ref);
  });

  it("refuses a frame revoked by force as soon as the revoke is processed", async () => {
    const ref = await dom0.grants.grantAccess(guest.domid, secret, { readonly: true });
    const { gpfn } = await guest.grants.mapGrantRef(0, ref, { readonly: true });
    const view = await guest.memory.page(gpfn);
    const forced = new Promise<void>((resolve) =>
      guest.grants.on("revoke", (event) => {
        if (event.forced) resolve();
      }),
    );
    await dom0.grants.revoke(ref, 10);
    await forced;
    guest.grants.removeAllListeners("revoke");
    expect(() => view.read(0, 1)).toThrow(expect.objectContaining({ code: "EFAULT" }));
    expect(guest.memory.holds(gpfn)).toBe(false);
    await dom0.grants.endAccess(ref);
  });

  it("reads a span of frames into one buffer, one positioned read per run of machine frames", async () => {
    const gpfns = await guest.memory.populatePhysmap(3);
    const data = Uint8Array.from({ length: 3 * XEN_PAGE_SIZE - 10 }, (_, i) => i % 253);
    await guest.memory.writeSpan(gpfns, data);
    const out = new Uint8Array(2 * XEN_PAGE_SIZE);
    expect(guest.memory.readHeldSpan(gpfns, 100, out.length, out, 0)).toBe(true);
    expect(out).toEqual(data.subarray(100, 100 + out.length));
    expect(() => guest.memory.readHeldSpan(gpfns, 100, 3 * XEN_PAGE_SIZE, out, 0)).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    await guest.memory.decreaseReservation(gpfns);
    expect(guest.memory.readHeldSpan(gpfns, 0, 1, out, 0)).toBe(false);
  });

  it("falls back to the socket transport, saying so once, when the memory file cannot be opened", async () => {
    const warnings: string[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (_: object, msg?: string) => warnings.push(msg ?? ""),
    };
    expect(guest.session.memoryPlace?.path).toBe(hv.memory.path);
    // A domain on another host (or a container without the volume) finds nothing at that path.
    await rename(hv.memory.path, `${hv.memory.path}.away`);
    try {
      const cut = await joinGuest(hv, "cut-off-guest", { logger, memoryTransport: "shm" });
      expect(cut.memoryTransport).toBe("socket");
      expect(warnings).toEqual(["cannot open the machine-memory file; using the socket memory transport"]);
      const [own] = (await cut.memory.populatePhysmap(1)) as [number];
      await cut.memory.write(own, 0, Uint8Array.of(9));
      expect(Array.from(await cut.memory.read(own, 0, 1))).toEqual([9]);
      await cut.close();
    } finally {
      await rename(`${hv.memory.path}.away`, hv.memory.path);
    }
  });
});
