import { XS } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { XsClient } from "./client.js";
import { XsError } from "./errors.js";
import { formatPerms, parsePerms } from "./permissions.js";
import { strings } from "./requests.js";
import { XenStore } from "./store.js";

function errno(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof XsError) return error.code;
    throw error;
  }
  return "OK";
}

/** dom0, guest 1 owning /local/domain/1/shared, guest 2 given `grant` on it. */
function world(grant: string) {
  const store = new XenStore();
  store.introduceDomain(1, "one");
  store.introduceDomain(2, "two");
  const dom0 = new XsClient(store.connect(0, () => {}));
  const owner = new XsClient(store.connect(1, () => {}));
  const other = new XsClient(store.connect(2, () => {}));
  owner.write("shared", "v");
  owner.setPerms("shared", ["n1", `${grant}2`]);
  return { store, dom0, owner, other };
}

const PATH = "/local/domain/1/shared";

describe("permission strings", () => {
  it("parses and formats n/r/w/b entries", () => {
    expect(formatPerms(parsePerms(["n0", "r5", "w65535", "b12"]))).toEqual(["n0", "r5", "w65535", "b12"]);
  });

  it.each([["x1"], ["r"], ["r-1"], ["r65536"], ["r01"], ["r1 "]])("refuses %j with EINVAL", (bad) => {
    expect(errno(() => parsePerms([bad]))).toBe("EINVAL");
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
    (grant, read, write) => {
      const { dom0, owner, other } = world(grant);
      for (const full of [dom0, owner]) {
        expect(errno(() => full.read(PATH))).toBe("OK");
        expect(errno(() => full.write(PATH, "x"))).toBe("OK");
      }
      expect(errno(() => other.read(PATH))).toBe(read);
      expect(errno(() => other.write(PATH, "y"))).toBe(write);
      expect(dom0.read(PATH)).toBe(write === "OK" ? "y" : "x");
    },
  );

  it("gives unlisted domains the first entry's access", () => {
    const { store, owner } = world("n");
    store.introduceDomain(3, "three");
    const third = new XsClient(store.connect(3, () => {}));
    expect(errno(() => third.read(PATH))).toBe("EACCES");
    owner.setPerms("shared", ["r1"]);
    expect(third.read(PATH)).toBe("v");
    expect(errno(() => third.write(PATH, "z"))).toBe("EACCES");
  });

  it("keeps guests out of each other's domain paths and of dom0's tree", () => {
    const { other, dom0 } = world("n");
    expect(errno(() => other.read("/local/domain/1/name"))).toBe("EACCES");
    expect(errno(() => other.write("/local/domain/1/evil", "x"))).toBe("EACCES");
    expect(errno(() => other.directory("/local/domain"))).toBe("EACCES");
    expect(errno(() => other.write("/tool/x", "x"))).toBe("EACCES");
    expect(errno(() => dom0.read("/local/domain/1/evil"))).toBe("ENOENT");
  });

  it("answers EACCES, not ENOENT, for missing nodes the guest could not see", () => {
    const { other } = world("n");
    expect(errno(() => other.read("/local/domain/1/nothing"))).toBe("EACCES");
    expect(errno(() => other.read("nothing"))).toBe("ENOENT");
  });

  it("lets new nodes inherit the parent's perms with the creating guest as owner", () => {
    const { dom0, other } = world("b");
    other.write(`${PATH}/child/leaf`, "c");
    expect(dom0.getPerms(`${PATH}/child`)).toEqual(["n2", "b2"]);
    expect(dom0.getPerms(`${PATH}/child/leaf`)).toEqual(["n2", "b2"]);
    dom0.write(`${PATH}/bydom0`, "d");
    expect(dom0.getPerms(`${PATH}/bydom0`)).toEqual(["n1", "b2"]);
  });

  it("lets only the owner or dom0 change perms, and only dom0 change the owner", () => {
    const { dom0, owner, other } = world("b");
    expect(errno(() => other.setPerms(PATH, ["n1"]))).toBe("EACCES");
    expect(errno(() => owner.setPerms(PATH, ["n2"]))).toBe("EPERM");
    expect(dom0.getPerms(PATH)).toEqual(["n1", "b2"]);
    dom0.setPerms(PATH, ["r2"]);
    expect(other.getPerms(PATH)).toEqual(["r2"]);
  });

  it("refuses dom0-only requests from guests", () => {
    const { other } = world("n");
    for (const [type, payload] of [
      [XS.INTRODUCE, strings("9", "1", "1")],
      [XS.RELEASE, strings("1")],
      [XS.IS_DOMAIN_INTRODUCED, strings("1")],
      [XS.SET_TARGET, strings("2", "1")],
      [XS.CONTROL, strings("check")],
    ] as const) {
      expect(errno(() => other.request(type, payload))).toBe("EACCES");
    }
  });

  it("gives a SET_TARGET device model its target's rights", () => {
    const { dom0, other } = world("n");
    dom0.request(XS.SET_TARGET, strings("2", "1"));
    expect(other.read(PATH)).toBe("v");
    other.write("/local/domain/1/device-model", "running");
    expect(dom0.getPerms("/local/domain/1/device-model")[0]).toBe("n2");
  });
});
