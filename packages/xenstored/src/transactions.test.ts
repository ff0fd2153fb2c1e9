import { XS } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { XsClient } from "./client.js";
import { XsError } from "./errors.js";
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

function twoClients() {
  const store = new XenStore();
  const a = new XsClient(store.connect(0, () => {}));
  const b = new XsClient(store.connect(0, () => {}));
  a.write("/tx/counter", "1");
  return { store, a, b };
}

describe("transactions", () => {
  it("work on a private copy that becomes visible at commit", () => {
    const { a, b } = twoClients();
    const tx = a.transactionStart();
    expect(tx).toBeGreaterThan(0);
    a.write("/tx/counter", "2", tx);
    a.write("/tx/new/node", "n", tx);
    expect(a.read("/tx/counter", tx)).toBe("2");
    expect(b.read("/tx/counter")).toBe("1");
    expect(errno(() => b.read("/tx/new/node"))).toBe("ENOENT");
    a.transactionEnd(tx, true);
    expect(b.read("/tx/counter")).toBe("2");
    expect(b.read("/tx/new/node")).toBe("n");
  });

  it("fail with EAGAIN when a node read in them changed meanwhile, applying nothing", () => {
    const { a, b } = twoClients();
    const tx = a.transactionStart();
    const seen = Number(a.read("/tx/counter", tx));
    a.write("/tx/counter", String(seen + 1), tx);
    a.write("/tx/side-effect", "x", tx);
    b.write("/tx/counter", "10");
    expect(errno(() => a.transactionEnd(tx, true))).toBe("EAGAIN");
    expect(b.read("/tx/counter")).toBe("10");
    expect(errno(() => b.read("/tx/side-effect"))).toBe("ENOENT");
    expect(errno(() => a.read("/tx/counter", tx))).toBe("ENOENT");
  });

  it("conflict on a directory that gained a child, and on a node deleted meanwhile", () => {
    const { a, b } = twoClients();
    const listing = a.transactionStart();
    a.directory("/tx", listing);
    b.write("/tx/another", "x");
    expect(errno(() => a.transactionEnd(listing, true))).toBe("EAGAIN");

    const reading = a.transactionStart();
    a.read("/tx/counter", reading);
    b.rm("/tx/counter");
    expect(errno(() => a.transactionEnd(reading, true))).toBe("EAGAIN");
  });

  it("commit when the changes meanwhile touched other nodes", () => {
    const { a, b } = twoClients();
    const tx = a.transactionStart();
    a.read("/tx/counter", tx);
    a.write("/tx/counter", "5", tx);
    b.write("/elsewhere", "x");
    a.transactionEnd(tx, true);
    expect(b.read("/tx/counter")).toBe("5");
  });

  it("discard everything on abort", () => {
    const { a, b } = twoClients();
    const tx = a.transactionStart();
    a.rm("/tx", tx);
    a.transactionEnd(tx, false);
    expect(b.read("/tx/counter")).toBe("1");
  });

  it("answer unknown ids with ENOENT, nesting with EBUSY, a bad verdict with EINVAL", () => {
    const { a, b, store } = twoClients();
    expect(errno(() => a.read("/tx/counter", 4242))).toBe("ENOENT");
    expect(errno(() => a.transactionEnd(4242, true))).toBe("ENOENT");
    expect(errno(() => a.request(XS.TRANSACTION_END, strings("T")))).toBe("ENOENT");
    const tx = a.transactionStart();
    expect(errno(() => b.read("/tx/counter", tx))).toBe("ENOENT");
    expect(errno(() => a.request(XS.TRANSACTION_START, strings(""), tx))).toBe("EBUSY");
    expect(errno(() => a.request(XS.TRANSACTION_END, strings("X"), tx))).toBe("EINVAL");
    expect(store.stats().transactions).toBe(1);
    a.transactionEnd(tx, false);
    expect(errno(() => a.transactionEnd(tx, false))).toBe("ENOENT");
    expect(store.stats().transactions).toBe(0);
  });

  it("run WATCH with a tx_id outside the transaction, as xenstored ignores it there", () => {
    const { a } = twoClients();
    expect(errno(() => a.request(XS.WATCH, strings("/tx", "t"), 999))).toBe("OK");
  });
});
