import { XS } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { XsClient } from "./client.js";
import { XsError } from "./errors.js";
import { payloadStrings, strings } from "./requests.js";
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

const delivered = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("domain lifecycle", () => {
  it("releaseDomain removes the domain's nodes, watches and transactions and fires @releaseDomain", async () => {
    const store = new XenStore();
    const events: string[] = [];
    const dom0 = new XsClient(store.connect(0, (p, t) => events.push(`${p} ${t}`)));
    store.introduceDomain(5, "five");
    const guest = new XsClient(store.connect(5, () => {}));
    guest.write("data/x", "1");
    guest.watch("data", "g");
    const tx = guest.transactionStart();
    dom0.watch("@releaseDomain", "rel");
    await delivered();
    events.length = 0;

    const before = store.stats();
    store.releaseDomain(5);
    await delivered();
    expect(errno(() => dom0.read("/local/domain/5"))).toBe("ENOENT");
    expect(events).toEqual(["@releaseDomain rel"]);
    expect(store.stats()).toMatchObject({
      watches: before.watches - 1,
      transactions: 0,
      nodes: before.nodes - 5,
    });
    expect(errno(() => guest.read("data/x", tx))).toBe("ENOENT");
    expect(payloadStrings(dom0.request(XS.IS_DOMAIN_INTRODUCED, strings("5")))).toEqual(["F"]);
  });

  it("dom0's death removes only its subtree; other privileged connections keep their watches", async () => {
    const store = new XenStore();
    store.introduceDomain(0, "Domain-0");
    const events: string[] = [];
    // A xenstored-socket client: privileged like dom0, but not dom0's session.
    const tool = new XsClient(store.connect(0, (p, t) => events.push(`${p} ${t}`)));
    const dom0 = new XsClient(store.connect(0, () => {}));
    dom0.write("/local/domain/0/backend/xenfs/1/0/state", "4");
    tool.watch("/local/domain/0/backend", "be");
    tool.watch("@releaseDomain", "rel");
    await delivered();
    events.length = 0;

    store.releaseDomain(0);
    await delivered();
    expect(errno(() => tool.read("/local/domain/0"))).toBe("ENOENT");
    expect(events.sort()).toEqual(["/local/domain/0/backend be", "@releaseDomain rel"]);
    expect(store.stats().watches).toBe(2);

    store.introduceDomain(0, "Domain-0");
    expect(tool.read("/local/domain/0/name")).toBe("Domain-0");
  });

  it("hands a dead domain's nodes elsewhere to dom0, so a new domain with its id gets nothing", () => {
    const store = new XenStore();
    const dom0 = new XsClient(store.connect(0, () => {}));
    store.introduceDomain(6, "six");
    dom0.write("/shared/for-six", "x");
    dom0.setPerms("/shared/for-six", ["n6"]);
    dom0.write("/shared/readable", "y");
    dom0.setPerms("/shared/readable", ["n0", "r6"]);
    store.releaseDomain(6);
    expect(dom0.getPerms("/shared/for-six")).toEqual(["n0"]);
    expect(dom0.getPerms("/shared/readable")).toEqual(["n0"]);
    store.introduceDomain(6, "reborn");
    const reborn = new XsClient(store.connect(6, () => {}));
    expect(errno(() => reborn.read("/shared/for-six"))).toBe("EACCES");
    expect(store.db.ownedBy(6)).toBe(3);
  });

  it("INTRODUCE and RELEASE on the wire fire the special watches, with checked arguments", async () => {
    const store = new XenStore();
    const events: string[] = [];
    const dom0 = new XsClient(store.connect(0, (p) => events.push(p)));
    dom0.watch("@introduceDomain", "i");
    dom0.watch("@releaseDomain", "r");
    await delivered();
    events.length = 0;
    dom0.request(XS.INTRODUCE, strings("9", "12345", "3"));
    dom0.request(XS.INTRODUCE, strings("9", "12345", "3"));
    dom0.request(XS.RESUME, strings("9"));
    dom0.request(XS.RELEASE, strings("9"));
    await delivered();
    expect(events).toEqual(["@introduceDomain", "@releaseDomain"]);
    expect(errno(() => dom0.request(XS.INTRODUCE, strings("0", "1", "1")))).toBe("EINVAL");
    expect(errno(() => dom0.request(XS.INTRODUCE, strings("9", "1", "0")))).toBe("EINVAL");
    expect(errno(() => dom0.request(XS.INTRODUCE, strings("9", "1")))).toBe("EINVAL");
    expect(errno(() => dom0.request(XS.RELEASE, strings("9")))).toBe("ENOENT");
    expect(errno(() => dom0.request(XS.RESUME, strings("9")))).toBe("ENOENT");
    expect(errno(() => dom0.request(XS.SET_TARGET, strings("9", "0")))).toBe("ENOENT");
  });

  it("ignores requests on a closed connection and forgets its watches", () => {
    const store = new XenStore();
    const conn = store.connect(0, () => {});
    const xs = new XsClient(conn);
    xs.watch("/", "t");
    conn.close();
    expect(errno(() => xs.write("/after-close", "x"))).toBe("EINVAL");
    expect(store.stats()).toMatchObject({ watches: 0, connections: 0 });
  });
});
