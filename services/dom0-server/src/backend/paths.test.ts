// Name operations, refusals of paths out of the export, and errors as Node's codes.
import { symlink as hostSymlink, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { dirListCodec, FSIF_SLOT_SIZE, fsRequestCodec, O, pathCodec } from "@xenfs/fsproto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestFront } from "../../test/fs-front.js";
import { ok } from "../../test/ok.js";
import { startTestServer, type TestServer } from "../../test/server.js";

interface LogLine {
  readonly msg?: string;
  readonly domid?: number;
  readonly guest?: number;
  readonly path?: string;
}

describe("name operations over the ring", () => {
  let host: TestServer;
  let front: TestFront;
  let domid: number;
  const logs: LogLine[] = [];
  const path = (p: string) => front.path(p);

  beforeAll(async () => {
    host = await startTestServer({ logs });
    await mkdir(join(host.exportDir, "dir"));
    for (const name of ["a", "b", "c"]) await host.put(`dir/${name}`, name);
    await hostSymlink("/etc", join(host.exportDir, "out"));
    const guest = await host.guest("namer");
    front = guest.front;
    domid = guest.domain.domid;
  });
  afterAll(async () => host?.stop());

  it("mkdir, create, symlink, readlink, rename, unlink and rmdir land on disk", async () => {
    ok("create", await front.call({ op: "create", path: await path("new"), mode: 0o755, directory: true }));
    ok(
      "create",
      await front.call({ op: "create", path: await path("new/f"), mode: 0o600, directory: false }),
    );
    expect(
      await front.call({ op: "create", path: await path("new/f"), mode: 0o600, directory: false }),
    ).toMatchObject({ ok: false, code: "EEXIST" });
    // Dangling until the rename below gives it its target.
    ok("symlink", await front.call({ op: "symlink", target: await path("g"), path: await path("new/link") }));
    const buf = await front.page();
    const link = ok(
      "readlink",
      await front.call({
        op: "readlink",
        path: await path("new/link"),
        buf: { gref: buf.ref, length: 4096 },
      }),
    );
    expect(pathCodec.decode(await front.read(buf, link.length))).toBe("g");
    ok(
      "rename",
      await front.call({ op: "rename", oldPath: await path("new/f"), newPath: await path("new/g") }),
    );
    ok("chmod", await front.call({ op: "chmod", path: await path("new/g"), mode: 0o640 }));
    const stat = ok("stat", await front.call({ op: "stat", path: await path("new/link") }));
    expect(stat.stat.mode & 0o777).toBe(0o640);
    expect(
      ok("lstat", await front.call({ op: "lstat", path: await path("new/link") })).stat.mode & 0o170000,
    ).toBe(0o120000);
    expect(await front.call({ op: "rmdir", path: await path("new") })).toMatchObject({
      ok: false,
      code: "ENOTEMPTY",
    });
    ok("unlink", await front.call({ op: "unlink", path: await path("new/g") }));
    ok("unlink", await front.call({ op: "unlink", path: await path("new/link") }));
    ok("rmdir", await front.call({ op: "rmdir", path: await path("new") }));
    expect(await front.call({ op: "stat", path: await path("new") })).toMatchObject({
      ok: false,
      code: "ENOENT",
    });
  });

  it("lists a directory page by page into the guest's buffer", async () => {
    const buf = await front.page();
    const first = ok(
      "readdir",
      await front.call({
        op: "readdir",
        path: await path("dir"),
        buf: { gref: buf.ref, length: 8 },
        cookie: 0,
      }),
    );
    expect(first).toMatchObject({ count: 2, more: true, cookie: 2 });
    expect(dirListCodec.decode(await front.read(buf, first.length)).map((e) => e.name)).toEqual(["a", "b"]);
    const rest = ok(
      "readdir",
      await front.call({
        op: "readdir",
        path: await path("dir"),
        buf: { gref: buf.ref, length: 4096 },
        cookie: first.cookie,
      }),
    );
    expect(rest).toMatchObject({ count: 1, more: false });
    expect(dirListCodec.decode(await front.read(buf, rest.length))).toEqual([{ name: "c", type: 8 }]);
  });

  it("writes in copy mode through to disk, O_APPEND at the end", async () => {
    const file = ok(
      "open",
      await front.call({
        op: "open",
        path: await path("log.txt"),
        flags: O.O_WRONLY | O.O_CREAT | O.O_APPEND,
        mode: 0o644,
      }),
    );
    for (const line of ["one\n", "two\n"]) {
      const page = await front.page(new TextEncoder().encode(line));
      ok(
        "write",
        await front.call({ op: "write", fd: file.fd, len: 4, offset: 0, pages: { grefs: [page.ref] } }),
      );
    }
    expect(await readFile(join(host.exportDir, "log.txt"), "utf8")).toBe("one\ntwo\n");
    const buf = await front.page();
    // Opened write-only: no reading, not even from the cache.
    expect(
      await front.call({ op: "read", fd: file.fd, len: 4, offset: 0, pages: { grefs: [buf.ref] } }),
    ).toMatchObject({ ok: false, code: "EBADF" });
    ok("sync", await front.call({ op: "sync", fd: file.fd }));
    ok("close", await front.call({ op: "close", fd: file.fd }));
  });

  it("refuses paths out of the export with EACCES/EXDEV and changes nothing", async () => {
    expect(await front.call({ op: "stat", path: await path("../etc/passwd") })).toMatchObject({
      ok: false,
      code: "EACCES",
    });
    expect(await front.call({ op: "stat", path: await path("/etc/passwd") })).toMatchObject({
      ok: false,
      code: "EACCES",
    });
    expect(
      await front.call({ op: "open", path: await path("out/passwd"), flags: O.O_RDONLY, mode: 0 }),
    ).toMatchObject({ ok: false, code: "EXDEV" });
    expect(
      await front.call({ op: "symlink", target: await path("../../x"), path: await path("esc") }),
    ).toMatchObject({ ok: false, code: "EXDEV" });
    expect(await front.call({ op: "stat", path: await path("esc") })).toMatchObject({
      ok: false,
      code: "ENOENT",
    });
    const refusals = logs.filter((line) => line.msg === "refused a path outside the export");
    expect(refusals.map((line) => [line.domid, line.guest, line.path])).toEqual([
      [0, domid, "../etc/passwd"],
      [0, domid, "/etc/passwd"],
      [0, domid, "out/passwd"],
      [0, domid, "esc"],
    ]);
  });

  it("answers bad input with an errno: bad grefs, flags, fds, buffers and undecodable slots", async () => {
    expect(await front.call({ op: "stat", path: { gref: 4000, length: 3 } })).toMatchObject({
      ok: false,
      code: "EFAULT",
    });
    expect(
      await front.call({ op: "open", path: await path("dir/a"), flags: O.O_WRONLY | O.O_TRUNC, mode: 0 }),
    ).toMatchObject({ ok: false, code: "EINVAL" });
    expect(
      await front.call({ op: "open", path: await path("dir/a"), flags: O.O_RDONLY | O.O_DIRECTORY, mode: 0 }),
    ).toMatchObject({ ok: false, code: "ENOTDIR" });
    expect(await front.call({ op: "fstat", fd: 12345 })).toMatchObject({ ok: false, code: "EBADF" });
    const buf = await front.page();
    expect(
      await front.call({
        op: "readdir",
        path: await path("dir"),
        buf: { gref: buf.ref, length: 3 },
        cookie: 0,
      }),
    ).toMatchObject({ ok: false, code: "EINVAL" });
    const slot = new Uint8Array(FSIF_SLOT_SIZE);
    fsRequestCodec.encode({ op: "statfs", id: 999 }, slot);
    slot[1] = 0xff; // undefined header flags: the slot does not decode
    expect(await front.callRaw(slot, 999)).toEqual({ op: null, id: 999, ok: false, code: "EPROTO" });
    // The ring is still served afterwards.
    expect(ok("statfs", await front.call({ op: "statfs" })).statfs.bsize).toBeGreaterThan(0);
  });
});
