import { encodeXsPayload, XS } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { delivered, errno, StoreClient } from "../test/client.js";
import { payloadStrings } from "./requests.js";
import { XenStore } from "./store.js";

describe("domain lifecycle", () => {
  it("releaseDomain removes the domain's nodes, watches and transactions and fires @releaseDomain", async () => {
    const store = new XenStore();
    const events: string[] = [];
    const dom0 = new StoreClient(store, 0, (p, t) => events.push(`${p} ${t}`));
    store.introduceDomain(5, "five");
    const guest = new StoreClient(store, 5);
    await guest.write("data/x", "1");
    await guest.watch("data", "g");
    const tx = await guest.transactionStart();
    await dom0.watch("@releaseDomain", "rel");
    await delivered();
    events.length = 0;

    const before = store.stats();
    store.releaseDomain(5);
    await delivered();
    expect(await errno(() => dom0.read("/local/domain/5"))).toBe("ENOENT");
    expect(events).toEqual(["@releaseDomain rel"]);
    expect(store.stats()).toMatchObject({
      watches: before.watches - 1,
      transactions: 0,
      nodes: before.nodes - 5,
    });
    expect(await errno(() => guest.read("data/x", tx))).toBe("ENOENT");
    expect(payloadStrings(await dom0.request(XS.IS_DOMAIN_INTRODUCED, encodeXsPayload(["5"])))).toEqual([
      "F",
    ]);
  });

  it("dom0's death removes only its subtree; other privileged connections keep their watches", async () => {
    const store = new XenStore();
    store.introduceDomain(0, "Domain-0");
    const events: string[] = [];
    // A xenstored-socket client: privileged like dom0, but not dom0's session.
    const tool = new StoreClient(store, 0, (p, t) => events.push(`${p} ${t}`));
    const dom0 = new StoreClient(store, 0);
    await dom0.write("/local/domain/0/backend/xenfs/1/0/state", "4");
    await tool.watch("/local/domain/0/backend", "be");
    await tool.watch("@releaseDomain", "rel");
    await delivered();
    events.length = 0;

    store.releaseDomain(0);
    await delivered();
    expect(await errno(() => tool.read("/local/domain/0"))).toBe("ENOENT");
    expect(events.sort()).toEqual(["/local/domain/0/backend be", "@releaseDomain rel"]);
    expect(store.stats().watches).toBe(2);

    store.introduceDomain(0, "Domain-0");
    expect(await tool.read("/local/domain/0/name")).toBe("Domain-0");
  });

  it("hands a dead domain's nodes elsewhere to dom0, so a new domain with its id gets nothing", async () => {
    const store = new XenStore();
    const dom0 = new StoreClient(store, 0);
    store.introduceDomain(6, "six");
    await dom0.write("/shared/for-six", "x");
    await dom0.setPerms("/shared/for-six", ["n6"]);
    await dom0.write("/shared/readable", "y");
    await dom0.setPerms("/shared/readable", ["n0", "r6"]);
    store.releaseDomain(6);
    expect(await dom0.getPerms("/shared/for-six")).toEqual(["n0"]);
    expect(await dom0.getPerms("/shared/readable")).toEqual(["n0"]);
    store.introduceDomain(6, "reborn");
    const reborn = new StoreClient(store, 6);
    expect(await errno(() => reborn.read("/shared/for-six"))).toBe("EACCES");
    expect(store.db.ownedBy(6)).toBe(3);
  });

  it("INTRODUCE and RELEASE on the wire fire the special watches, with checked arguments", async () => {
    const store = new XenStore();
    const events: string[] = [];
    const dom0 = new StoreClient(store, 0, (p) => events.push(p));
    await dom0.watch("@introduceDomain", "i");
    await dom0.watch("@releaseDomain", "r");
    await delivered();
    events.length = 0;
    await dom0.request(XS.INTRODUCE, encodeXsPayload(["9", "12345", "3"]));
    await dom0.request(XS.INTRODUCE, encodeXsPayload(["9", "12345", "3"]));
    await dom0.request(XS.RESUME, encodeXsPayload(["9"]));
    await dom0.request(XS.RELEASE, encodeXsPayload(["9"]));
    await delivered();
    expect(events).toEqual(["@introduceDomain", "@releaseDomain"]);
    expect(await errno(() => dom0.request(XS.INTRODUCE, encodeXsPayload(["0", "1", "1"])))).toBe("EINVAL");
    expect(await errno(() => dom0.request(XS.INTRODUCE, encodeXsPayload(["9", "1", "0"])))).toBe("EINVAL");
    expect(await errno(() => dom0.request(XS.INTRODUCE, encodeXsPayload(["9", "1"])))).toBe("EINVAL");
    expect(await errno(() => dom0.request(XS.RELEASE, encodeXsPayload(["9"])))).toBe("ENOENT");
    expect(await errno(() => dom0.request(XS.RESUME, encodeXsPayload(["9"])))).toBe("ENOENT");
    expect(await errno(() => dom0.request(XS.SET_TARGET, encodeXsPayload(["9", "0"])))).toBe("ENOENT");
  });

  it("ignores requests on a closed connection and forgets its watches", async () => {
    const store = new XenStore();
    const xs = new StoreClient(store, 0);
    await xs.watch("/", "t");
    xs.close();
    expect(await errno(() => xs.write("/after-close", "x"))).toBe("EINVAL");
    expect(store.stats()).toMatchObject({ watches: 0, connections: 0 });
  });
});
