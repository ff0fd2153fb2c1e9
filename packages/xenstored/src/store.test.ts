import type { XsPerm } from "@xenfs/libxen";
import { encodeXsPayload, XENSTORE_PAYLOAD_MAX, XS } from "@xenfs/proto";
import { describe, expect, it } from "vitest";
import { errno, StoreClient } from "../test/client.js";
import { payloadStrings } from "./requests.js";
import { XenStore } from "./store.js";

function dom0(store = new XenStore()) {
  return { store, xs: new StoreClient(store, 0) };
}

describe("XenStore node operations", () => {
  it("starts with the tree xenstored and the toolstack create", async () => {
    const { xs, store } = dom0();
    expect(await xs.directory("/")).toEqual(["tool", "local"]);
    expect(await xs.directory("/tool")).toEqual(["xenstored"]);
    expect(await xs.directory("/local")).toEqual(["domain"]);
    expect(await xs.directory("/local/domain")).toEqual([]);
    expect(await xs.getPerms("/")).toEqual(["n0"]);
    expect(await xs.getPerms("@introduceDomain")).toEqual(["n0"]);
    expect(store.stats()).toMatchObject({
      nodes: 5,
      watches: 0,
      connections: 1,
      transactions: 0,
      domains: 1,
    });
  });

  it("WRITE creates missing parents with empty values; READ returns the bytes as written", async () => {
    const { xs } = dom0();
    await xs.write("/a/b/c", "value");
    expect(await xs.read("/a/b/c")).toBe("value");
    expect(await xs.read("/a/b")).toBe("");
    expect(await xs.directory("/a")).toEqual(["b"]);
    const binary = new Uint8Array([0, 1, 255, 0]);
    await xs.write("/bin", binary);
    expect(await xs.request(XS.READ, encodeXsPayload(["/bin"]))).toEqual(binary);
  });

  it("MKDIR creates parents and leaves an existing value alone", async () => {
    const { xs } = dom0();
    await xs.write("/m", "keep");
    await xs.mkdir("/m");
    await xs.mkdir("/x/y/z");
    expect(await xs.read("/m")).toBe("keep");
    expect(await xs.directory("/x/y")).toEqual(["z"]);
  });

  it("RM removes the whole subtree; a missing node is fine only if its parent exists", async () => {
    const { xs, store } = dom0();
    await xs.write("/r/a/1", "x");
    await xs.write("/r/a/2", "y");
    await xs.write("/r/b", "z");
    const before = store.stats().nodes;
    await xs.rm("/r/a");
    expect(await xs.directory("/r")).toEqual(["b"]);
    expect(await errno(() => xs.read("/r/a/1"))).toBe("ENOENT");
    expect(store.stats().nodes).toBe(before - 3);
    expect(await errno(() => xs.rm("/r/a"))).toBe("OK");
    expect(await errno(() => xs.rm("/r/a/deeper"))).toBe("ENOENT");
    expect(await errno(() => xs.rm("/"))).toBe("EINVAL");
  });

  it("answers bad requests with the errno and changes nothing", async () => {
    const { xs, store } = dom0();
    const before = store.stats();
    expect(await errno(() => xs.request(99, encodeXsPayload(["/"])))).toBe("EINVAL");
    expect(await errno(() => xs.request(XS.WATCH_EVENT, encodeXsPayload(["/", "t"])))).toBe("EINVAL");
    expect(await errno(() => xs.request(XS.WRITE, new TextEncoder().encode("/no-nul")))).toBe("EINVAL");
    expect(await errno(() => xs.request(XS.READ, encodeXsPayload(["/a", "extra"])))).toBe("EINVAL");
    expect(await errno(() => xs.write("/bad path", "x"))).toBe("EINVAL");
    expect(await errno(() => xs.write("@introduceDomain", "x"))).toBe("EINVAL");
    expect(await errno(() => xs.setPerms("/tool", ["q0" as XsPerm]))).toBe("EINVAL");
    expect(await errno(() => xs.request(XS.SET_PERMS, encodeXsPayload(["/tool"])))).toBe("EINVAL");
    const huge = new Uint8Array(XENSTORE_PAYLOAD_MAX + 1);
    huge.set(encodeXsPayload(["/big"]));
    expect(await errno(() => xs.request(XS.WRITE, huge))).toBe("E2BIG");
    expect(store.stats()).toEqual(before);
    expect(await xs.directory("/")).toEqual(["tool", "local"]);
  });

  it("refuses a reply over XENSTORE_PAYLOAD_MAX with E2BIG; DIRECTORY_PART pages through it", async () => {
    const { xs } = dom0();
    const names = Array.from(
      { length: 300 },
      (_, i) => `child-with-a-long-name-${String(i).padStart(4, "0")}`,
    );
    for (const name of names) await xs.mkdir(`/big/${name}`);
    expect(await errno(() => xs.directory("/big"))).toBe("E2BIG");

    const listed: string[] = [];
    const generations = new Set<string>();
    let offset = 0;
    for (let part = 0; part < 10; part++) {
      const reply = await xs.request(XS.DIRECTORY_PART, encodeXsPayload(["/big", String(offset)]));
      expect(reply.length).toBeLessThanOrEqual(XENSTORE_PAYLOAD_MAX);
      const [generation, ...children] = payloadStrings(reply);
      generations.add(generation!);
      const done = children.at(-1) === "";
      const got = done ? children.slice(0, -1) : children;
      listed.push(...got);
      offset += got.reduce((n, c) => n + c.length + 1, 0);
      if (done) break;
    }
    expect(listed).toEqual(names);
    expect(generations.size).toBe(1);

    await xs.mkdir("/big/one-more");
    const [after] = payloadStrings(await xs.request(XS.DIRECTORY_PART, encodeXsPayload(["/big", "0"])));
    expect(generations.has(after!)).toBe(false);
    expect(await errno(() => xs.request(XS.DIRECTORY_PART, encodeXsPayload(["/big", "x"])))).toBe("EINVAL");
  });

  it("answers GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED and CONTROL", async () => {
    const { xs, store } = dom0();
    expect(payloadStrings(await xs.request(XS.GET_DOMAIN_PATH, encodeXsPayload(["7"])))).toEqual([
      "/local/domain/7",
    ]);
    expect(await errno(() => xs.request(XS.GET_DOMAIN_PATH, encodeXsPayload(["65536"])))).toBe("EINVAL");
    expect(payloadStrings(await xs.request(XS.IS_DOMAIN_INTRODUCED, encodeXsPayload(["7"])))).toEqual(["F"]);
    store.introduceDomain(7, "seven");
    expect(payloadStrings(await xs.request(XS.IS_DOMAIN_INTRODUCED, encodeXsPayload(["7"])))).toEqual(["T"]);
    expect(payloadStrings(await xs.request(XS.CONTROL, encodeXsPayload(["check"])))).toEqual(["OK"]);
    expect(payloadStrings(await xs.request(XS.CONTROL, encodeXsPayload(["help"])))).toEqual(["check\nhelp"]);
    expect(await errno(() => xs.request(XS.CONTROL, encodeXsPayload(["live-update"])))).toBe("EINVAL");
  });

  it("introduceDomain writes the domain's directory, owned by the domain", async () => {
    const { xs, store } = dom0();
    store.introduceDomain(4, "guest-four");
    expect(await xs.directory("/local/domain/4")).toEqual(["name", "domid"]);
    expect(await xs.read("/local/domain/4/name")).toBe("guest-four");
    expect(await xs.read("/local/domain/4/domid")).toBe("4");
    expect(await xs.getPerms("/local/domain/4")).toEqual(["n4"]);
    const guest = new StoreClient(store, 4);
    expect(await guest.read("name")).toBe("guest-four");
    await guest.write("data/x", "1");
    expect(await xs.read("/local/domain/4/data/x")).toBe("1");
  });
});
