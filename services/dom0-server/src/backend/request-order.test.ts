import { describe, expect, it } from "vitest";
import { type Claim, RequestOrder } from "./request-order.js";

const shared = (key: string): Claim => ({ key, access: "shared" });
const exclusive = (key: string): Claim => ({ key, access: "exclusive" });

/** A request that runs until `finish` is called; `started` says whether its turn came. */
function request(order: RequestOrder, claims: Claim[], log: string[], name: string) {
  let finish!: () => void;
  const done = order.run(claims, () => {
    log.push(name);
    return new Promise<string>((resolve) => {
      finish = () => resolve(name);
    });
  });
  return { done, finish: () => finish() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("RequestOrder", () => {
  it("runs shared claims of one key, and claims of different keys, at once", async () => {
    const order = new RequestOrder();
    const log: string[] = [];
    const a = request(order, [shared("f")], log, "a");
    const b = request(order, [shared("f")], log, "b");
    const c = request(order, [exclusive("g")], log, "c");
    await settle();
    expect(log).toEqual(["a", "b", "c"]);
    for (const r of [a, b, c]) r.finish();
    expect(await Promise.all([a.done, b.done, c.done])).toEqual(["a", "b", "c"]);
  });

  it("holds an exclusive claim until the earlier shared ones finish, and later ones until it does", async () => {
    const order = new RequestOrder();
    const log: string[] = [];
    const read = request(order, [shared("f")], log, "read");
    const write = request(order, [exclusive("f")], log, "write");
    const after = request(order, [shared("f")], log, "after");
    await settle();
    expect(log).toEqual(["read"]);
    read.finish();
    await settle();
    expect(log).toEqual(["read", "write"]);
    write.finish();
    await settle();
    expect(log).toEqual(["read", "write", "after"]);
    after.finish();
    await after.done;
  });

  it("lets a failed request release its claims", async () => {
    const order = new RequestOrder();
    const failed = order.run([exclusive("f")], async () => {
      throw new Error("refused");
    });
    await expect(failed).rejects.toThrow("refused");
    await expect(order.run([exclusive("f")], async () => "next")).resolves.toBe("next");
  });
});
