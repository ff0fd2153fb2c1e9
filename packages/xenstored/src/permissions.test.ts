import type { XsPerm } from "@xenfs/libxen";
import { encodeXsPayload, XS } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { errno, StoreClient } from "../test/client.js";
import { formatPerms, parsePerms } from "./permissions.js";
import { XenStore } from "./store.js";

/** dom0, guest 1 owning /local/domain/1/shared, guest 2 given `grant` on it. */
async function world(grant: string) {
  const store = new XenStore();
  store.introduceDomain(1, "one");
  store.introduceDomain(2, "two");
  const dom0 = new StoreClient(store, 0);
  const owner = new StoreClient(store, 1);
  const other = new StoreClient(store, 2);
  await owner.write("shared", "v");
  await owner.setPerms("shared", ["n1", `${grant}2` as XsPerm]);
  return { store, dom0, owner, other };
}

const PATH = "/local/domain/1/shared";

describe("permission strings", () => {
  it("parses and formats n/r/w/b entries", async () => {
    expect(formatPerms(parsePerms(["n0", "r5", "w65535", "b12"]))).toEqual(["n0", "r5", "w65535", "b12"]);
  });

  it.each([["x1"], ["r"], ["r-1"], ["r65536"], ["r01"], ["r1 "]])("refuses %j with EINVAL", async (bad) => {
    expect(await errno(() => parsePerms([bad]))).toBe("EINVAL");
  });
});

describe("permission matrix", () => {
  it.each([
    // grant to the other guest → [other reads, other writes]
    ["n", "EACCES", "EACCES"],
    ["r", "OK", "EACCES"],
    ["w", "EACCES", "OK"],
    ["b", "OK", "OK"],
  ])(
    "grant %s: dom0 and the owner may do anything; the other guest reads %s, writes %s",
    async (grant, read, write) => {
      const { dom0, owner, other } = await world(grant);
      for (const full of [dom0, owner]) {
        expect(await errno(() => full.read(PATH))).toBe("OK");
        expect(await errno(() => full.write(PATH, "x"))).toBe("OK");
      }
      expect(await errno(() => other.read(PATH))).toBe(read);
      expect(await errno(() => other.write(PATH, "y"))).toBe(write);
      expect(await dom0.read(PATH)).toBe(write === "OK" ? "y" : "x");
    },
  );

  it("gives unlisted domains the first entry's access", async () => {
    const { store, owner } = await world("n");
    store.introduceDomain(3, "three");
    const third = new StoreClient(store, 3);
    expect(await errno(() => third.read(PATH))).toBe("EACCES");
    await owner.setPerms("shared", ["r1"]);
    expect(await third.read(PATH)).toBe("v");
    expect(await errno(() => third.write(PATH, "z"))).toBe("EACCES");
  });

  it("keeps guests out of each other's domain paths and of dom0's tree", async () => {
    const { other, dom0 } = await world("n");
    expect(await errno(() => other.read("/local/domain/1/name"))).toBe("EACCES");
    expect(await errno(() => other.write("/local/domain/1/evil", "x"))).toBe("EACCES");
    expect(await errno(() => other.directory("/local/domain"))).toBe("EACCES");
    expect(await errno(() => other.write("/tool/x", "x"))).toBe("EACCES");
    expect(await errno(() => dom0.read("/local/domain/1/evil"))).toBe("ENOENT");
  });

  it("answers EACCES, not ENOENT, for missing nodes the guest could not see", async () => {
    const { other } = await world("n");
    expect(await errno(() => other.read("/local/domain/1/nothing"))).toBe("EACCES");
    expect(await errno(() => other.read("nothing"))).toBe("ENOENT");
  });

  it("lets new nodes inherit the parent's perms with the creating guest as owner", async () => {
    const { dom0, other } = await world("b");
    await other.write(`${PATH}/child/leaf`, "c");
    expect(await dom0.getPerms(`${PATH}/child`)).toEqual(["n2", "b2"]);
    expect(await dom0.getPerms(`${PATH}/child/leaf`)).toEqual(["n2", "b2"]);
    await dom0.write(`${PATH}/bydom0`, "d");
    expect(await dom0.getPerms(`${PATH}/bydom0`)).toEqual(["n1", "b2"]);
  });

  it("lets only the owner or dom0 change perms, and only dom0 change the owner", async () => {
    const { dom0, owner, other } = await world("b");
    expect(await errno(() => other.setPerms(PATH, ["n1"]))).toBe("EACCES");
    expect(await errno(() => owner.setPerms(PATH, ["n2"]))).toBe("EPERM");
    expect(await dom0.getPerms(PATH)).toEqual(["n1", "b2"]);
    await dom0.setPerms(PATH, ["r2"]);
    expect(await other.getPerms(PATH)).toEqual(["r2"]);
  });

  it("refuses dom0-only requests from guests", async () => {
    const { other } = await world("n");
    for (const [type, payload] of [
      [XS.INTRODUCE, encodeXsPayload(["9", "1", "1"])],
      [XS.RELEASE, encodeXsPayload(["1"])],
      [XS.IS_DOMAIN_INTRODUCED, encodeXsPayload(["1"])],
      [XS.SET_TARGET, encodeXsPayload(["2", "1"])],
      [XS.CONTROL, encodeXsPayload(["check"])],
    ] as const) {
      expect(await errno(() => other.request(type, payload))).toBe("EACCES");
    }
  });

  it("gives a SET_TARGET device model its target's rights", async () => {
    const { dom0, other } = await world("n");
    await dom0.request(XS.SET_TARGET, encodeXsPayload(["2", "1"]));
    expect(await other.read(PATH)).toBe("v");
    await other.write("/local/domain/1/device-model", "running");
    expect((await dom0.getPerms("/local/domain/1/device-model"))[0]).toBe("n2");
  });
});
