import { describe, expect, it } from "vitest";
import { delivered, errno, StoreClient } from "../test/client.js";
import { XenStore } from "./store.js";

function connect(store: XenStore, domid: number) {
  const events: string[] = [];
  const client = new StoreClient(store, domid, (path, token) => events.push(`${path} ${token}`));
  return { client, events };
}

describe("watches", () => {
  it("fire once on registration, then for changes at or below the path only", async () => {
    const store = new XenStore();
    const { client: xs, events } = connect(store, 0);
    await xs.watch("/w", "tok");
    await delivered();
    expect(events).toEqual(["/w tok"]);
    await xs.write("/w/a/b", "1");
    await xs.write("/w", "2");
    await xs.write("/other", "3");
    await xs.write("/wx", "4");
    await delivered();
    expect(events).toEqual(["/w tok", "/w/a/b tok", "/w tok"]);
  });

  it("deliver events after the reply, not during the request", async () => {
    const store = new XenStore();
    const { client: xs, events } = connect(store, 0);
    // Not awaited: both requests reach the store at once, and no event may arrive before this line.
    const replies = Promise.all([xs.watch("/w", "tok"), xs.write("/w", "1")]);
    expect(events).toEqual([]);
    await replies;
  });

  it("fire for deletes, including a removed ancestor of the watched node", async () => {
    const store = new XenStore();
    const { client: xs, events } = connect(store, 0);
    await xs.write("/d/a/b", "x");
    await xs.watch("/d/a/b", "leaf");
    await xs.watch("/d", "top");
    await delivered();
    events.length = 0;
    await xs.rm("/d/a");
    await delivered();
    expect(events.sort()).toEqual(["/d/a top", "/d/a/b leaf"]);
  });

  it("fire for permission changes", async () => {
    const store = new XenStore();
    const { client: xs, events } = connect(store, 0);
    await xs.write("/p", "x");
    await xs.watch("/p", "t");
    await delivered();
    await xs.setPerms("/p", ["n0", "r3"]);
    await delivered();
    expect(events).toEqual(["/p t", "/p t"]);
  });

  it("report relative paths to a watch registered relative", async () => {
    const store = new XenStore();
    store.introduceDomain(3, "three");
    const { client: guest, events } = connect(store, 3);
    await guest.watch("device", "dev");
    await guest.watch("/local/domain/3/device", "abs");
    await guest.write("device/vif/0/state", "1");
    await delivered();
    expect(events).toEqual([
      "device dev",
      "/local/domain/3/device abs",
      "device/vif/0/state dev",
      "/local/domain/3/device/vif/0/state abs",
    ]);
  });

  it("only reach watchers allowed to read the node or its parent", async () => {
    const store = new XenStore();
    store.introduceDomain(1, "one");
    store.introduceDomain(2, "two");
    const { client: xs } = connect(store, 0);
    const snoop = connect(store, 2);
    await snoop.client.watch("/local/domain/1", "spy");
    await delivered();
    snoop.events.length = 0;
    await xs.write("/local/domain/1/secret/key", "k");
    await delivered();
    expect(snoop.events).toEqual([]);
    await xs.write("/local/domain/1/public", "p");
    await xs.setPerms("/local/domain/1/public", ["n1", "r2"]);
    await xs.write("/local/domain/1/public/child", "c");
    await delivered();
    expect(snoop.events).toEqual(["/local/domain/1/public spy", "/local/domain/1/public/child spy"]);
  });

  it("fire on commit only, and not at all on abort", async () => {
    const store = new XenStore();
    const { client: xs, events } = connect(store, 0);
    await xs.watch("/t", "t");
    await delivered();
    events.length = 0;
    const aborted = await xs.transactionStart();
    await xs.write("/t/x", "1", aborted);
    await delivered();
    await xs.transactionEnd(aborted, false);
    await delivered();
    expect(events).toEqual([]);
    const tx = await xs.transactionStart();
    await xs.write("/t/y", "1", tx);
    await delivered();
    expect(events).toEqual([]);
    await xs.transactionEnd(tx, true);
    await delivered();
    expect(events).toEqual(["/t/y t"]);
  });

  it("deliver @introduceDomain and @releaseDomain to dom0, and to guests only when granted", async () => {
    const store = new XenStore();
    const dom0 = connect(store, 0);
    store.introduceDomain(1, "one");
    const guest = connect(store, 1);
    for (const w of [dom0, guest]) {
      await w.client.watch("@introduceDomain", "in");
      await w.client.watch("@releaseDomain", "out");
    }
    await delivered();
    dom0.events.length = 0;
    guest.events.length = 0;
    store.introduceDomain(2, "two");
    store.releaseDomain(2);
    await delivered();
    expect(dom0.events).toEqual(["@introduceDomain in", "@releaseDomain out"]);
    expect(guest.events).toEqual([]);

    await dom0.client.setPerms("@releaseDomain", ["n0", "r1"]);
    await delivered();
    expect(guest.events).toEqual(["@releaseDomain out"]); // the permission change itself, as xenstored
    guest.events.length = 0;
    store.introduceDomain(3, "three");
    store.releaseDomain(3);
    await delivered();
    expect(guest.events).toEqual(["@releaseDomain out"]);
  });

  it("refuse a duplicate watch with EEXIST; UNWATCH and RESET_WATCHES remove them", async () => {
    const store = new XenStore();
    const { client: xs, events } = connect(store, 0);
    await xs.watch("/u", "t");
    expect(await errno(() => xs.watch("/u", "t"))).toBe("EEXIST");
    await xs.watch("/u", "t2");
    await xs.unwatch("/u", "t");
    expect(await errno(() => xs.unwatch("/u", "t"))).toBe("ENOENT");
    await delivered();
    events.length = 0;
    await xs.write("/u", "1");
    await delivered();
    expect(events).toEqual(["/u t2"]);
    await xs.request(21, new Uint8Array([0]));
    expect(store.stats().watches).toBe(0);
  });
});
