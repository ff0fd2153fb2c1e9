// Against the real hypervisor and its XenStore, over the `xs` hypercall.
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_ERRNO } from "@xenfs/proto";
import { joinDom0, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("XenStore client", () => {
  let hv: Hypervisor;
  let dom0: XenDomain;
  let guest: XenDomain;
  let home: string;

  beforeAll(async () => {
    hv = await startTestHypervisor();
    dom0 = await joinDom0(hv);
    guest = await joinGuest(hv, "guest-xs");
    home = await guest.xs.getDomainPath(guest.domid);
  });
  afterAll(async () => {
    await guest?.close();
    await dom0?.close();
    await hv?.close();
  });

  it("finds the domain's home and the name the toolstack wrote there", async () => {
    expect(home).toBe(`/local/domain/${guest.domid}`);
    expect(await guest.xs.read(`${home}/name`)).toBe("guest-xs");
  });

  it("writes, lists and removes nodes; relative paths live under the home", async () => {
    await guest.xs.write("device/vif/0/state", "1");
    expect(await guest.xs.read(`${home}/device/vif/0/state`)).toBe("1");
    await guest.xs.mkdir("device/vif/1");
    expect((await guest.xs.directory(`${home}/device/vif`)).sort()).toEqual(["0", "1"]);
    await guest.xs.rm(`${home}/device`);
    await expect(guest.xs.read("device/vif/0/state")).rejects.toMatchObject({
      name: "XenError",
      code: "ENOENT",
      status: -XEN_ERRNO.ENOENT,
      op: "XS_READ",
    });
  });

  it("reads and sets permissions, and a guest cannot read what dom0 keeps to itself", async () => {
    await dom0.xs.write("/tool/secret", "42");
    expect(await dom0.xs.getPerms("/tool/secret")).toEqual(["n0"]);
    await expect(guest.xs.read("/tool/secret")).rejects.toMatchObject({ code: "EACCES" });
    await dom0.xs.setPerms("/tool/secret", ["n0", `r${guest.domid}`]);
    expect(await guest.xs.read("/tool/secret")).toBe("42");
    await expect(dom0.xs.setPerms("/tool/secret", [])).rejects.toMatchObject({ code: "EINVAL" });
  });

  it("fires a watch once when set and on changes below it, until unwatched", async () => {
    const events: string[] = [];
    let changed: () => void = () => {};
    await guest.xs.watch(`${home}/watched`, "tok", (path) => {
      events.push(path);
      changed();
    });
    const next = () => new Promise<void>((resolve) => (changed = resolve));
    const change = next();
    await guest.xs.write(`${home}/watched/a`, "x");
    await change;
    expect(events).toEqual([`${home}/watched`, `${home}/watched/a`]);
    await expect(guest.xs.watch("elsewhere", "tok", () => {})).rejects.toMatchObject({ code: "EEXIST" });
    await guest.xs.unwatch(`${home}/watched`, "tok");
    await guest.xs.write(`${home}/watched/b`, "y");
    // An event for that write would come before this reply.
    await guest.xs.read(`${home}/watched/b`);
    expect(events).toHaveLength(2);
  });

  it("retries a transaction that conflicted (EAGAIN) and commits it on a fresh one", async () => {
    await dom0.xs.write("/tool/counter", "0");
    let attempts = 0;
    const result = await dom0.xs.transaction(async (tx) => {
      attempts++;
      const value = Number(await tx.read("/tool/counter"));
      // Someone else changes what this transaction read, once.
      if (attempts === 1) await dom0.xs.write("/tool/counter", "10");
      await tx.write("/tool/counter", String(value + 1));
      return value + 1;
    });
    expect(attempts).toBe(2);
    expect(result).toBe(11);
    expect(await dom0.xs.read("/tool/counter")).toBe("11");
  });

  it("aborts the transaction when the function throws, leaving the store unchanged", async () => {
    await dom0.xs.write("/tool/kept", "before");
    await expect(
      dom0.xs.transaction(async (tx) => {
        await tx.write("/tool/kept", "after");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await dom0.xs.read("/tool/kept")).toBe("before");
  });
});
