import { type FsResponse, O } from "@xenfs/fsproto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestFront } from "../../test/fs-front.js";
import { startTestServer, type TestServer } from "../../test/server.js";

const ok = <T extends FsResponse>(response: T) => {
  if (!response.ok) throw new Error(`request failed: ${response.code}`);
  return response;
};

describe("XenFS requests over the ring, end to end", () => {
  let host: TestServer;
  let front: TestFront;

  beforeAll(async () => {
    host = await startTestServer();
    await host.put("hello.txt", "hello, xenfs");
    ({ front } = await host.guest("reader"));
  });
  afterAll(async () => host?.stop());

  it("opens, reads by grant copy into the guest's page, stats and closes", async () => {
    const opened = ok(
      await front.call({ op: "open", path: await front.path("hello.txt"), flags: O.O_RDONLY, mode: 0 }),
    );
    if (opened.op !== "open") throw new Error("wrong op");
    const buf = await front.page();
    const read = ok(
      await front.call({ op: "read", fd: opened.fd, len: 4096, offset: 0, pages: { grefs: [buf.ref] } }),
    );
    expect(read).toMatchObject({ op: "read", bytes: 12 });
    expect(new TextDecoder().decode(await front.read(buf, 12))).toBe("hello, xenfs");
    const stat = ok(await front.call({ op: "fstat", fd: opened.fd }));
    expect(stat).toMatchObject({ stat: { size: 12 } });
    expect(await front.call({ op: "close", fd: opened.fd })).toMatchObject({ ok: true });
    expect(await front.call({ op: "close", fd: opened.fd })).toMatchObject({ ok: false, code: "EBADF" });
  });
});
