import { describe, expect, it } from "vitest";
import { errno, StoreClient } from "../test/client.js";
import { XenStore } from "./store.js";

/** Guests 1 (the flooder) and 2, with small quotas so a flood is quick. */
function world() {
  const store = new XenStore({ quotas: { nodes: 20, watches: 4, transactions: 2, pendingWatchEvents: 5 } });
  store.introduceDomain(1, "flooder");
  store.introduceDomain(2, "bystander");
  const events: Record<number, string[]> = { 0: [], 1: [], 2: [] };
  const connect = (domid: number) => new StoreClient(store, domid, (p) => events[domid]!.push(p));
  return { store, events, dom0: connect(0), flooder: connect(1), bystander: connect(2) };
}

/** Call `op(i)` until it fails (at most `limit` times); the errno and how many succeeded. */
async function flood(
  op: (i: number) => Promise<unknown>,
  limit = 100,
): Promise<{ errno: string; done: number }> {
  for (let i = 0; i < limit; i++) {
    const result = await errno(() => op(i));
    if (result !== "OK") return { errno: result, done: i };
  }
  return { errno: "OK", done: limit };
}

describe("quotas", () => {
  it("stop a guest creating nodes past its quota with ENOSPC; others are unaffected", async () => {
    const { store, dom0, flooder, bystander } = world();
    const owned = store.db.ownedBy(1);
    const result = await flood((i) => flooder.write(`n${i}`, "x"));
    expect(result).toEqual({ errno: "ENOSPC", done: 20 - owned });
    expect(store.db.ownedBy(1)).toBe(20);
    expect(await errno(() => flooder.write("n0", "rewrite is fine"))).toBe("OK");
    expect(await errno(() => bystander.write("mine", "x"))).toBe("OK");
    expect(await flood((i) => dom0.write(`/dom0/n${i}`, "x"), 50)).toEqual({ errno: "OK", done: 50 });
    await flooder.rm("n0");
    expect(await errno(() => flooder.write("again", "x"))).toBe("OK");
  });

  it("refuse a write that would create several parents past the quota, creating none", async () => {
    const { store, flooder } = world();
    await flood((i) => flooder.write(`n${i}`, "x"), 20 - store.db.ownedBy(1) - 1);
    expect(await errno(() => flooder.write("a/b/c", "x"))).toBe("ENOSPC");
    expect(await errno(() => flooder.read("a"))).toBe("ENOENT");
  });

  it("limit watches per domain with E2BIG", async () => {
    const { flooder, bystander, dom0 } = world();
    expect(await flood((i) => flooder.watch("x", `t${i}`))).toEqual({ errno: "E2BIG", done: 4 });
    expect(await errno(() => bystander.watch("x", "t"))).toBe("OK");
    expect((await flood((i) => dom0.watch("/x", `t${i}`), 10)).errno).toBe("OK");
  });

  it("limit open transactions per domain with ENOSPC, across its connections", async () => {
    const { store, flooder, bystander } = world();
    const second = new StoreClient(store, 1);
    await flooder.transactionStart();
    await second.transactionStart();
    expect(await errno(() => flooder.transactionStart())).toBe("ENOSPC");
    expect(await errno(() => bystander.transactionStart())).toBe("OK");
  });

  it("limit node size and permission entries with ENOSPC", async () => {
    const { flooder } = world();
    expect(await errno(() => flooder.write("big", "x".repeat(2048)))).toBe("ENOSPC");
    expect(await errno(() => flooder.write("fits", "x".repeat(1900)))).toBe("OK");
    expect(await errno(() => flooder.setPerms("fits", ["n1", "r2", "r3", "r4", "r5", "r6"]))).toBe("ENOSPC");
    expect(await errno(() => flooder.setPerms("fits", ["n1", "r2", "r3", "r4", "r5"]))).toBe("OK");
  });

  it("drop a guest's watch events beyond its pending limit, not dom0's", async () => {
    const { store, dom0, events } = world();
    const guest = new StoreClient(store, 1, (p) => events[1]!.push(p));
    // Issued without waiting between them: each request reaches the store at once, so the guest's
    // queue fills before a microtask can deliver any of it.
    await Promise.all([
      guest.watch("spam", "t"),
      dom0.watch("/local/domain/1/spam", "t"),
      ...Array.from({ length: 10 }, (_, i) => dom0.write(`/local/domain/1/spam/n${i}`, "x")),
    ]);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events[1]).toEqual(["spam", "spam/n0", "spam/n1", "spam/n2", "spam/n3"]);
    expect(events[0]).toHaveLength(11);
    expect(store.stats().droppedWatchEvents).toBe(6);
  });
});
