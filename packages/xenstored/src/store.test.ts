import { XENSTORE_PAYLOAD_MAX, XS } from "@xenfs/proto";
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

function dom0(store = new XenStore()) {
  return { store, xs: new XsClient(store.connect(0, () => {})) };
}

describe("XenStore node operations", () => {
  it("starts with the tree xenstored and the toolstack create", () => {
    const { xs, store } = dom0();
    expect(xs.directory("/")).toEqual(["tool", "local"]);
    expect(xs.directory("/tool")).toEqual(["xenstored"]);
    expect(xs.directory("/local")).toEqual(["domain"]);
    expect(xs.directory("/local/domain")).toEqual([]);
    expect(xs.getPerms("/")).toEqual(["n0"]);
    expect(xs.getPerms("@introduceDomain")).toEqual(["n0"]);
    expect(store.stats()).toMatchObject({
      nodes: 5,
      watches: 0,
      connections: 1,
      transactions: 0,
      domains: 1,
    });
  });

  it("WRITE creates missing parents with empty values; READ returns the bytes as written", () => {
    const { xs } = dom0();
    xs.write("/a/b/c", "value");
    expect(xs.read("/a/b/c")).toBe("value");
    expect(xs.read("/a/b")).toBe("");
    expect(xs.directory("/a")).toEqual(["b"]);
    const binary = new Uint8Array([0, 1, 255, 0]);
    xs.write("/bin", binary);
    expect(xs.request(XS.READ, strings("/bin"))).toEqual(binary);
  });

  it("MKDIR creates parents and leaves an existing value alone", () => {
    const { xs } = dom0();
    xs.write("/m", "keep");
    xs.mkdir("/m");
    xs.mkdir("/x/y/z");
    expect(xs.read("/m")).toBe("keep");
    expect(xs.directory("/x/y")).toEqual(["z"]);
  });

  it("RM removes the whole subtree; a missing node is fine only if its parent exists", () => {
    const { xs, store } = dom0();
    xs.write("/r/a/1", "x");
    xs.write("/r/a/2", "y");
    xs.write("/r/b", "z");
    const before = store.stats().nodes;
    xs.rm("/r/a");
    expect(xs.directory("/r")).toEqual(["b"]);
    expect(errno(() => xs.read("/r/a/1"))).toBe("ENOENT");
    expect(store.stats().nodes).toBe(before - 3);
    expect(errno(() => xs.rm("/r/a"))).toBe("OK");
    expect(errno(() => xs.rm("/r/a/deeper"))).toBe("ENOENT");
    expect(errno(() => xs.rm("/"))).toBe("EINVAL");
  });

  it("answers bad requests with the errno and changes nothing", () => {
    const { xs, store } = dom0();
    const before = store.stats();
    expect(errno(() => xs.request(99, strings("/")))).toBe("EINVAL");
    expect(errno(() => xs.request(XS.WATCH_EVENT, strings("/", "t")))).toBe("EINVAL");
    expect(errno(() => xs.request(XS.WRITE, new TextEncoder().encode("/no-nul")))).toBe("EINVAL");
    expect(errno(() => xs.request(XS.READ, strings("/a", "extra")))).toBe("EINVAL");
    expect(errno(() => xs.write("/bad path", "x"))).toBe("EINVAL");
    expect(errno(() => xs.write("@introduceDomain", "x"))).toBe("EINVAL");
    expect(errno(() => xs.setPerms("/tool", ["q0"]))).toBe("EINVAL");
    expect(errno(() => xs.request(XS.SET_PERMS, strings("/tool")))).toBe("EINVAL");
    const huge = new Uint8Array(XENSTORE_PAYLOAD_MAX + 1);
    huge.set(strings("/big"));
    expect(errno(() => xs.request(XS.WRITE, huge))).toBe("E2BIG");
    expect(store.stats()).toEqual(before);
    expect(xs.directory("/")).toEqual(["tool", "local"]);
  });

  it("refuses a reply over XENSTORE_PAYLOAD_MAX with E2BIG; DIRECTORY_PART pages through it", () => {
    const { xs } = dom0();
    const names = Array.from(
      { length: 300 },
      (_, i) => `child-with-a-long-name-${String(i).padStart(4, "0")}`,
    );
    for (const name of names) xs.mkdir(`/big/${name}`);
    expect(errno(() => xs.directory("/big"))).toBe("E2BIG");

    const listed: string[] = [];
    const generations = new Set<string>();
    let offset = 0;
    for (let part = 0; part < 10; part++) {
      const reply = xs.request(XS.DIRECTORY_PART, strings("/big", String(offset)));
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

    xs.mkdir("/big/one-more");
    const [after] = payloadStrings(xs.request(XS.DIRECTORY_PART, strings("/big", "0")));
    expect(generations.has(after!)).toBe(false);
    expect(errno(() => xs.request(XS.DIRECTORY_PART, strings("/big", "x")))).toBe("EINVAL");
  });

  it("answers GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED and CONTROL", () => {
    const { xs, store } = dom0();
    expect(payloadStrings(xs.request(XS.GET_DOMAIN_PATH, strings("7")))).toEqual(["/local/domain/7"]);
    expect(errno(() => xs.request(XS.GET_DOMAIN_PATH, strings("65536")))).toBe("EINVAL");
    expect(payloadStrings(xs.request(XS.IS_DOMAIN_INTRODUCED, strings("7")))).toEqual(["F"]);
    store.introduceDomain(7, "seven");
    expect(payloadStrings(xs.request(XS.IS_DOMAIN_INTRODUCED, strings("7")))).toEqual(["T"]);
    expect(payloadStrings(xs.request(XS.CONTROL, strings("check")))).toEqual(["OK"]);
    expect(payloadStrings(xs.request(XS.CONTROL, strings("help")))).toEqual(["check\nhelp"]);
    expect(errno(() => xs.request(XS.CONTROL, strings("live-update")))).toBe("EINVAL");
  });

  it("introduceDomain writes the domain's directory, owned by the domain", () => {
    const { xs, store } = dom0();
    store.introduceDomain(4, "guest-four");
    expect(xs.directory("/local/domain/4")).toEqual(["name", "domid"]);
    expect(xs.read("/local/domain/4/name")).toBe("guest-four");
    expect(xs.read("/local/domain/4/domid")).toBe("4");
    expect(xs.getPerms("/local/domain/4")).toEqual(["n4"]);
    const guest = new XsClient(store.connect(4, () => {}));
    expect(guest.read("name")).toBe("guest-four");
    guest.write("data/x", "1");
    expect(xs.read("/local/domain/4/data/x")).toBe("1");
  });
});
