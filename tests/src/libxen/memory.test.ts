// Against the real hypervisor: a domain's own frames, atomics, and how refusals surface.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { joinGuest, startTestHypervisor, TRANSPORTS } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe.each(TRANSPORTS)("memory (%s transport)", (transport) => {
  let hv: Hypervisor;
  let guest: XenDomain;
  let gpfn: number;

  beforeAll(async () => {
    hv = await startTestHypervisor();
    guest = await joinGuest(hv, "guest-memory", { maxFrames: 8, memoryTransport: transport });
    [gpfn] = (await guest.memory.populatePhysmap(1)) as [number];
  });
  afterAll(async () => {
    await guest?.close();
    await hv?.close();
  });

  it("populates distinct frames within the reservation and refuses beyond it", async () => {
    const more = await guest.memory.populatePhysmap(3);
    expect(new Set([gpfn, ...more]).size).toBe(4);
    await expect(guest.memory.populatePhysmap(5)).rejects.toMatchObject({ code: "ENOMEM", status: -12 });
    expect(await guest.memory.decreaseReservation(more)).toBe(3);
    await expect(guest.memory.read(more[0]!, 0, 1)).rejects.toMatchObject({ code: "EINVAL" });
  });

  it("compare-and-exchanges 8-byte words without losing precision", async () => {
    const big = 0xfedcba9876543210n;
    expect(await guest.memory.cmpxchg(gpfn, 8, 8, 0n, big)).toBe(0n);
    expect(await guest.memory.cmpxchg(gpfn, 8, 8, 1n, 2n)).toBe(big); // mismatch: unchanged
    const bytes = await guest.memory.read(gpfn, 8, 8);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)).toBe(big);
  });

  it("adds with wrap-around at the word's width, and the local copy follows", async () => {
    const page = await guest.memory.page(gpfn);
    await guest.memory.write(gpfn, 16, Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    expect(await guest.memory.add(gpfn, 16, 4, 2n)).toBe(0xffffffffn);
    expect(page.readU32(16)).toBe(1);
    page.writeU32(20, -1); // an int32 stores its u32 bit pattern
    await guest.memory.flush();
    expect(await guest.memory.cmpxchg(gpfn, 20, 4, 0xffffffffn, 0n)).toBe(0xffffffffn);
  });

  it("refuses bad input before sending anything, and leaves the frame as it was", async () => {
    const before = await guest.memory.read(gpfn, 0, 4096);
    await expect(guest.memory.cmpxchg(gpfn, 6, 4, 0n, 1n)).rejects.toMatchObject({ code: "EINVAL" });
    await expect(guest.memory.add(gpfn, 0, 3 as 4, 1n)).rejects.toMatchObject({ code: "EINVAL" });
    await expect(guest.memory.add(gpfn, 0, 4, 1n << 32n)).rejects.toMatchObject({ code: "EINVAL" });
    await expect(guest.memory.write(gpfn, 4090, new Uint8Array(8))).rejects.toMatchObject({ code: "EINVAL" });
    await expect(guest.memory.read(gpfn, -1, 2)).rejects.toMatchObject({ code: "EINVAL" });
    const page = await guest.memory.page(gpfn);
    expect(() => page.writeU32(0, 2 ** 32)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => page.writeU32(0, 1.5)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => page.readU32(4093)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(await guest.memory.read(gpfn, 0, 4096)).toEqual(before);
  });

  it("reports a refused page write on 'error' and throws it from the next awaited call", async () => {
    const [doomed] = (await guest.memory.populatePhysmap(1)) as [number];
    const page = await guest.memory.page(doomed);
    await guest.memory.decreaseReservation([doomed]);
    expect(page.valid).toBe(false);
    if (transport === "shm") {
      // In place, the store itself faults: the frame is no longer this domain's.
      expect(() => page.write(0, Uint8Array.of(1))).toThrow(expect.objectContaining({ code: "EFAULT" }));
      await expect(guest.memory.read(doomed, 0, 1)).rejects.toMatchObject({ code: "EINVAL" });
      return;
    }
    const reported = new Promise<Error>((resolve) => guest.session.once("error", resolve));
    page.write(0, Uint8Array.of(1));
    const error = await reported;
    expect(error).toMatchObject({ name: "XenError", code: "EINVAL", op: "memWrite" });
    await expect(guest.memory.read(gpfn, 0, 1)).rejects.toBe(error);
    await expect(guest.memory.read(gpfn, 0, 1)).resolves.toHaveLength(1);
  });

  it("stops keeping a copy once told to forget the frame (shm keeps none: the frame stays readable in place)", async () => {
    await guest.memory.page(gpfn);
    expect(guest.memory.holds(gpfn)).toBe(true);
    await guest.memory.forget([gpfn]);
    expect(guest.memory.holds(gpfn)).toBe(transport === "shm");
  });
});
