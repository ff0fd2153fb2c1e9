// dom0's duplicate-request cache over a real restart: a new dom0 (a new app instance over the same
// export and state dir) answers each re-issued non-idempotent request as the first dom0 did.
import { lstat, mkdir, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type FsRequest, O } from "@xenfs/fsproto";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN, joinGuest, startTestHypervisor, tempExport } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFront } from "../../test/fs-front.js";
import { type Dom0Server, startDom0Server } from "../app.js";

describe("re-issued requests after a dom0 restart", () => {
  let hv: Hypervisor;
  let dir: Awaited<ReturnType<typeof tempExport>>;
  let server: Dom0Server;
  let guest: XenDomain;
  let front: TestFront;
  const start = () =>
    startDom0Server({
      hypervisorUrl: hv.url,
      dom0Token: DOM0_TOKEN,
      exportDir: dir.path,
      port: 0,
      cacheMb: 1,
    });

  beforeAll(async () => {
    hv = await startTestHypervisor({ memoryMb: 64, sessionLeaseMs: 300 });
    dir = await tempExport();
    await writeFile(join(dir.path, "victim.txt"), "x");
    await writeFile(join(dir.path, "from.txt"), "moved");
    await mkdir(join(dir.path, "empty"));
    await mkdir(join(dir.path, "there"));
    server = await start();
    guest = await joinGuest(hv, "dup-guest");
    front = await TestFront.mount(guest);
  });
  afterAll(async () => {
    await guest?.close();
    await server?.close();
    await hv?.close();
    await dir?.remove();
  });

  it("answers each as the first attempt was; the same op as a new request runs again", async () => {
    const gen = 0xc0ffee;
    const p = (path: string) => front.path(path);
    const requests: FsRequest[] = [
      { op: "create", id: 101, gen, path: await p("made"), mode: 0o755, directory: true },
      { op: "create", id: 102, gen, path: await p("new.txt"), mode: 0o644, directory: false },
      { op: "unlink", id: 103, gen, path: await p("victim.txt") },
      { op: "rmdir", id: 104, gen, path: await p("empty") },
      { op: "rename", id: 105, gen, oldPath: await p("from.txt"), newPath: await p("to.txt") },
      { op: "symlink", id: 106, gen, target: await p("to.txt"), path: await p("link") },
      {
        op: "open",
        id: 107,
        gen,
        path: await p("excl.txt"),
        flags: O.O_RDWR | O.O_CREAT | O.O_EXCL,
        mode: 0o644,
      },
      // A failure the export gave is remembered too.
      { op: "create", id: 108, gen, path: await p("there"), mode: 0o755, directory: true },
    ];
    const first = [];
    for (const request of requests) first.push(await front.send(request));
    expect(first.map((r) => (r.ok ? "ok" : r.code))).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
      "EEXIST",
    ]);

    await server.close();
    server = await start();
    await front.connectedTimes(2);

    const again = [];
    for (const request of requests) again.push(await front.send({ ...request, reissue: true }));
    expect(again.map((r) => (r.ok ? "ok" : r.code))).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
      "EEXIST",
    ]);
    // The exclusive open's re-issue opened the file the first one made: its fd works.
    const opened = again[6];
    if (!opened?.ok || opened.op !== "open") throw new Error("open did not answer");
    expect(await front.call({ op: "fstat", fd: opened.fd })).toMatchObject({ ok: true, stat: { size: 0 } });

    // Not re-issues (another id, or no flag): they run, and fail as a second run does.
    expect(await front.send({ ...requests[0]!, id: 201 })).toMatchObject({ ok: false, code: "EEXIST" });
    expect(await front.send({ ...requests[2]!, id: 202, reissue: true })).toMatchObject({
      ok: false,
      code: "ENOENT",
    });
    expect(await front.send({ ...requests[4]!, id: 105, gen: gen + 1, reissue: true })).toMatchObject({
      ok: false,
      code: "ENOENT",
    });
    // A re-issue whose first attempt never reached dom0 simply runs.
    const late = { op: "create", id: 109, gen, path: await p("late"), mode: 0o755, directory: true } as const;
    expect(await front.send({ ...late, reissue: true })).toMatchObject({ ok: true });

    // The export holds each change once.
    expect((await lstat(join(dir.path, "made"))).isDirectory()).toBe(true);
    expect((await lstat(join(dir.path, "new.txt"))).isFile()).toBe(true);
    await expect(lstat(join(dir.path, "victim.txt"))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(lstat(join(dir.path, "empty"))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(lstat(join(dir.path, "from.txt"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readlink(join(dir.path, "link"))).toBe("to.txt");
    expect((await lstat(join(dir.path, "late"))).isDirectory()).toBe(true);
  });

  it("keeps its journal beside the export, not in it", async () => {
    expect(server.stateDir.startsWith(join(dir.path, ".."))).toBe(true);
    expect((await lstat(join(server.stateDir, "reply-cache.journal"))).isFile()).toBe(true);
    await expect(lstat(join(dir.path, ".xenfs-state"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
