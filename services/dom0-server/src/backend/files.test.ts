// Copy mode (the 9P-style baseline): reads copy cache frames into the guest's own pages.
import { grefListCodec, O } from "@xenfs/fsproto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestFront } from "../../test/fs-front.js";
import { ok } from "../../test/ok.js";
import { startTestServer, type TestServer } from "../../test/server.js";

const PAGE = 4096;

describe("open files over the ring, end to end", () => {
  let host: TestServer;
  let front: TestFront;
  const pattern = Uint8Array.from({ length: 3 * PAGE }, (_, i) => i % 251);

  beforeAll(async () => {
    host = await startTestServer();
    await host.put("hello.txt", "hello, xenfs");
    await host.put("pattern.bin", pattern);
    ({ front } = await host.guest("reader"));
  });
  afterAll(async () => host?.stop());

  it("opens, reads by grant copy into the guest's page, stats and closes", async () => {
    const opened = ok(
      "open",
      await front.call({ op: "open", path: await front.path("hello.txt"), flags: O.O_RDONLY, mode: 0 }),
    );
    const buf = await front.page();
    const read = ok(
      "read",
      await front.call({ op: "read", fd: opened.fd, len: 4096, offset: 0, pages: { grefs: [buf.ref] } }),
    );
    expect(read.bytes).toBe(12);
    expect(new TextDecoder().decode(await front.read(buf, 12))).toBe("hello, xenfs");
    expect(ok("fstat", await front.call({ op: "fstat", fd: opened.fd })).stat.size).toBe(12);
    ok("close", await front.call({ op: "close", fd: opened.fd }));
    expect(await front.call({ op: "close", fd: opened.fd })).toMatchObject({ ok: false, code: "EBADF" });
  });

  it("reads an unaligned range across pages through an indirect gref list, short at end of file", async () => {
    const file = ok(
      "open",
      await front.call({ op: "open", path: await front.path("pattern.bin"), flags: O.O_RDONLY, mode: 0 }),
    );
    const pages = [await front.page(), await front.page()];
    const list = await front.page();
    await front.domain.memory.write(list.gpfn, 0, grefListCodec.encode(pages.map((page) => page.ref)));
    const offset = 2 * PAGE - 100;
    const read = ok(
      "read",
      await front.call({
        op: "read",
        fd: file.fd,
        len: 2 * PAGE,
        offset,
        pages: { listGref: list.ref, count: 2 },
      }),
    );
    expect(read.bytes).toBe(PAGE + 100);
    const got = new Uint8Array(read.bytes);
    got.set(await front.read(pages[0]!, PAGE), 0);
    got.set(await front.read(pages[1]!, 100), PAGE);
    expect(got).toEqual(pattern.subarray(offset));
    expect(
      ok(
        "read",
        await front.call({
          op: "read",
          fd: file.fd,
          len: 10,
          offset: 5 * PAGE,
          pages: { grefs: [pages[0]!.ref] },
        }),
      ).bytes,
    ).toBe(0);
  });

  it("truncates through an fd and refuses an fd of another guest", async () => {
    const file = ok(
      "open",
      await front.call({ op: "open", path: await front.path("hello.txt"), flags: O.O_RDWR, mode: 0 }),
    );
    ok("ftruncate", await front.call({ op: "ftruncate", fd: file.fd, length: 5 }));
    expect(ok("fstat", await front.call({ op: "fstat", fd: file.fd })).stat.size).toBe(5);
    const other = await host.guest("other");
    expect(await other.front.call({ op: "fstat", fd: file.fd })).toMatchObject({ ok: false, code: "EBADF" });
  });
});
