import { encodeXsPayload, XS } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { errno, StoreClient } from "../test/client.js";
import { XenStore } from "./store.js";

async function twoClients() {
  const store = new XenStore();
  const a = new StoreClient(store, 0);
  const b = new StoreClient(store, 0);
  await a.write("/tx/counter", "1");
  return { store, a, b };
}

describe("transactions", () => {
  it("work on a private copy that becomes visible at commit", async () => {
    const { a, b } = await twoClients();
    const tx = await a.transactionStart();
    expect(tx).toBeGreaterThan(0);
    await a.write("/tx/counter", "2", tx);
    await a.write("/tx/new/node", "n", tx);
    expect(await a.read("/tx/counter", tx)).toBe("2");
    expect(await b.read("/tx/counter")).toBe("1");
    expect(await errno(() => b.read("/tx/new/node"))).toBe("ENOENT");
    await a.transactionEnd(tx, true);
    expect(await b.read("/tx/counter")).toBe("2");
    expect(await b.read("/tx/new/node")).toBe("n");
  });

  it("fail with EAGAIN when a node read in them changed meanwhile, applying nothing", async () => {
    const { a, b } = await twoClients();
    const tx = await a.transactionStart();
    const seen = Number(a.read("/tx/counter", tx));
    await a.write("/tx/counter", String(seen + 1), tx);
    await a.write("/tx/side-effect", "x", tx);
    await b.write("/tx/counter", "10");
    expect(await errno(() => a.transactionEnd(tx, true))).toBe("EAGAIN");
    expect(await b.read("/tx/counter")).toBe("10");
    expect(await errno(() => b.read("/tx/side-effect"))).toBe("ENOENT");
    expect(await errno(() => a.read("/tx/counter", tx))).toBe("ENOENT");
  });

  it("conflict on a directory that gained a child, and on a node deleted meanwhile", async () => {
    const { a, b } = await twoClients();
    const listing = await a.transactionStart();
    await a.directory("/tx", listing);
    await b.write("/tx/another", "x");
    expect(await errno(() => a.transactionEnd(listing, true))).toBe("EAGAIN");

    const reading = await a.transactionStart();
    await a.read("/tx/counter", reading);
    await b.rm("/tx/counter");
    expect(await errno(() => a.transactionEnd(reading, true))).toBe("EAGAIN");
  });

  it("commit when the changes meanwhile touched other nodes", async () => {
    const { a, b } = await twoClients();
    const tx = await a.transactionStart();
    await a.read("/tx/counter", tx);
    await a.write("/tx/counter", "5", tx);
    await b.write("/elsewhere", "x");
    await a.transactionEnd(tx, true);
    expect(await b.read("/tx/counter")).toBe("5");
  });

  it("discard everything on abort", async () => {
    const { a, b } = await twoClients();
    const tx = await a.transactionStart();
    await a.rm("/tx", tx);
    await a.transactionEnd(tx, false);
    expect(await b.read("/tx/counter")).toBe("1");
  });

  it("answer unknown ids with ENOENT, nesting with EBUSY, a bad verdict with EINVAL", async () => {
    const { a, b, store } = await twoClients();
    expect(await errno(() => a.read("/tx/counter", 4242))).toBe("ENOENT");
    expect(await errno(() => a.transactionEnd(4242, true))).toBe("ENOENT");
    expect(await errno(() => a.request(XS.TRANSACTION_END, encodeXsPayload(["T"])))).toBe("ENOENT");
    const tx = await a.transactionStart();
    expect(await errno(() => b.read("/tx/counter", tx))).toBe("ENOENT");
    expect(await errno(() => a.request(XS.TRANSACTION_START, encodeXsPayload([""]), tx))).toBe("EBUSY");
    expect(await errno(() => a.request(XS.TRANSACTION_END, encodeXsPayload(["X"]), tx))).toBe("EINVAL");
    expect(store.stats().transactions).toBe(1);
    await a.transactionEnd(tx, false);
    expect(await errno(() => a.transactionEnd(tx, false))).toBe("ENOENT");
    expect(store.stats().transactions).toBe(0);
  });

  it("run WATCH with a tx_id outside the transaction, as xenstored ignores it there", async () => {
    const { a } = await twoClients();
    expect(await errno(() => a.request(XS.WATCH, encodeXsPayload(["/tx", "t"]), 999))).toBe("OK");
  });
});
