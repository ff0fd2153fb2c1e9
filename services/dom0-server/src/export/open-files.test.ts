import { type FileHandle, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenFileTable } from "./open-files.js";

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "xenfs-open-files-"));
  file = join(dir, "f");
  await writeFile(file, "data");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Whether the descriptor behind a handle has been closed. */
async function isClosed(handle: FileHandle): Promise<boolean> {
  return handle.stat().then(
    () => false,
    (err: { code: string }) => err.code === "EBADF",
  );
}

async function openInto(table: OpenFileTable<FileHandle>, domid: number): Promise<number> {
  const id = table.reserve(domid, "open", "f");
  await table.fill(domid, id, await open(file, "r"), "open", "f");
  return id;
}

describe("OpenFileTable", () => {
  it("hands out distinct ids and finds each file by (domid, id)", async () => {
    const table = new OpenFileTable<FileHandle>(4);
    const a = await openInto(table, 1);
    const b = await openInto(table, 1);
    const c = await openInto(table, 2);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(table.get(1, a, "read")).not.toBe(table.get(1, b, "read"));
    expect(table.count(1)).toBe(2);
    await table.closeGuest(1);
    await table.closeGuest(2);
  });

  it("refuses a guest over its limit with EMFILE, counting opens in flight, and not other guests", async () => {
    const table = new OpenFileTable<FileHandle>(2);
    await openInto(table, 1);
    const pending = table.reserve(1, "open", "g");
    expect(() => table.reserve(1, "open", "h")).toThrow(
      expect.objectContaining({ code: "EMFILE", path: "h" }),
    );
    await openInto(table, 2);
    table.cancel(1, pending);
    await openInto(table, 1);
    expect(table.count(1)).toBe(2);
    await table.closeGuest(1);
    await table.closeGuest(2);
  });

  it("answers EBADF for unknown ids, another guest's ids, ids in flight and closed ids", async () => {
    const table = new OpenFileTable<FileHandle>(4);
    const id = await openInto(table, 1);
    const pending = table.reserve(1, "open", "p");
    for (const [domid, bad] of [
      [1, 999],
      [2, id],
      [1, pending],
      [1, -1],
      [1, Number.NaN],
    ] as const) {
      expect(() => table.get(domid, bad, "read")).toThrow(
        expect.objectContaining({ code: "EBADF", syscall: "read" }),
      );
    }
    const handle = table.take(1, id, "close");
    await handle.close();
    expect(() => table.get(1, id, "read")).toThrow(expect.objectContaining({ code: "EBADF" }));
    expect(() => table.take(1, id, "close")).toThrow(expect.objectContaining({ code: "EBADF" }));
    table.cancel(1, pending);
  });

  it("never reuses an id, even for a domid that comes back", async () => {
    const table = new OpenFileTable<FileHandle>(4);
    const first = await openInto(table, 5);
    await table.closeGuest(5);
    const second = await openInto(table, 5);
    expect(second).not.toBe(first);
    expect(() => table.get(5, first, "read")).toThrow(expect.objectContaining({ code: "EBADF" }));
    await table.closeGuest(5);
  });

  it("closes every file of a guest that goes away, and only that guest's", async () => {
    const table = new OpenFileTable<FileHandle>(8);
    const ids = [await openInto(table, 3), await openInto(table, 3)];
    const handles = ids.map((id) => table.get(3, id, "read"));
    const other = table.get(4, await openInto(table, 4), "read");
    expect(await table.closeGuest(3)).toBe(2);
    for (const handle of handles) expect(await isClosed(handle)).toBe(true);
    expect(await isClosed(other)).toBe(false);
    expect(table.count(3)).toBe(0);
    await table.closeGuest(4);
  });

  it("closes a file whose open finishes after its guest went away, and refuses it", async () => {
    const table = new OpenFileTable<FileHandle>(4);
    const id = table.reserve(7, "open", "late");
    const handle = await open(file, "r");
    await table.closeGuest(7);
    await expect(table.fill(7, id, handle, "open", "late")).rejects.toMatchObject({ code: "EBADF" });
    expect(await isClosed(handle)).toBe(true);
  });

  it("refuses a domid that is not a domain's, and a limit that is not a count", () => {
    const table = new OpenFileTable<FileHandle>(4);
    expect(() => table.reserve(0x7ff0, "open", "f")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => table.reserve(-1, "open", "f")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => new OpenFileTable(0)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});
