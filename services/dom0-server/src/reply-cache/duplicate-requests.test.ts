// dom0's duplicate-request cache over a real restart: a new dom0 (a new app instance over the same
// export and state dir) answers each re-issued non-idempotent request as the first dom0 did.
import { appendFile, lstat, mkdir, readFile, readlink, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type FsRequest, O } from "@xenfs/fsproto";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN, joinGuest, startTestHypervisor, tempExport } from "@xenfs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestFront } from "../../test/fs-front.js";
import { type Dom0Server, startDom0Server } from "../app.js";
import { requestKey } from "../backend/duplicate-requests.js";

/** The reply cache's key of a request as dom0 decodes it (its fields first, then its op). */
function decodedKey(request: FsRequest) {
  const { op, ...fields } = request;
  return requestKey("dup-guest", { ...fields, op } as FsRequest)!;
}

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

  it("answers success to a re-issued rename or unlink that took effect before dom0 died unanswered", async () => {
    const gen = 0xbeef;
    const p = (path: string) => front.path(path);
    await writeFile(join(dir.path, "a.tmp"), "new version");
    await writeFile(join(dir.path, "a"), "old version");
    await writeFile(join(dir.path, "gone.txt"), "x");
    await writeFile(join(dir.path, "b.tmp"), "not moved");
    const renamed: FsRequest = {
      op: "rename",
      id: 301,
      gen,
      oldPath: await p("a.tmp"),
      newPath: await p("a"),
    };
    const unlinked: FsRequest = { op: "unlink", id: 302, gen, path: await p("gone.txt") };
    const notRun: FsRequest = {
      op: "rename",
      id: 303,
      gen,
      oldPath: await p("b.tmp"),
      newPath: await p("b"),
    };
    const identity = async (name: string) => {
      const st = await lstat(join(dir.path, name), { bigint: true });
      return `${st.dev}:${st.ino}`;
    };
    // What dom0 journals before each runs, then (for the first two) the change itself; then it
    // dies before it can journal or send an answer.
    const intents = [
      [renamed, await identity("a.tmp")],
      [unlinked, await identity("gone.txt")],
      [notRun, await identity("b.tmp")],
    ] as const;
    await server.close();
    const journal = join(server.stateDir, "reply-cache.journal");
    for (const [request, w] of intents) {
      const key = decodedKey(request);
      await appendFile(
        journal,
        `${JSON.stringify({ g: key.guest, n: key.gen, i: key.id, f: key.fingerprint, e: "?", w })}\n`,
      );
    }
    await rename(join(dir.path, "a.tmp"), join(dir.path, "a"));
    await unlink(join(dir.path, "gone.txt"));
    server = await start();
    await front.connectedTimes(3);

    const again = [];
    for (const request of [renamed, unlinked, notRun])
      again.push(await front.send({ ...request, reissue: true }));
    expect(again.map((r) => (r.ok ? "ok" : r.code))).toEqual(["ok", "ok", "ok"]);
    expect(await readFile(join(dir.path, "a"), "utf8")).toBe("new version");
    expect(await readFile(join(dir.path, "b"), "utf8")).toBe("not moved"); // run now, for real
    // Without a note of that attempt (another id), the same rename fails as a second run does.
    expect(await front.send({ ...renamed, id: 304, reissue: true })).toMatchObject({
      ok: false,
      code: "ENOENT",
    });
    // And an intent does not turn a rename whose file is not at the new name into a success.
    await writeFile(join(dir.path, "c.tmp"), "c");
    const moved: FsRequest = { op: "rename", id: 305, gen, oldPath: await p("c.tmp"), newPath: await p("c") };
    const cIdentity = await identity("c.tmp");
    await server.close();
    const key = decodedKey(moved);
    await appendFile(
      join(server.stateDir, "reply-cache.journal"),
      `${JSON.stringify({ g: key.guest, n: key.gen, i: key.id, f: key.fingerprint, e: "?", w: cIdentity })}\n`,
    );
    await unlink(join(dir.path, "c.tmp")); // gone, but not to "c"
    server = await start();
    await front.connectedTimes(4);
    expect(await front.send({ ...moved, reissue: true })).toMatchObject({ ok: false, code: "ENOENT" });
  });

  it("keeps its journal beside the export, not in it", async () => {
    expect(server.stateDir.startsWith(join(dir.path, ".."))).toBe(true);
    expect((await lstat(join(server.stateDir, "reply-cache.journal"))).isFile()).toBe(true);
    await expect(lstat(join(dir.path, ".xenfs-state"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
