// Disk faults over a real directory: each errno reaches the caller as an ExportError, a write
// failed with EIO leaves the file as it was, a torn write leaves half its bytes and "dies".
import { mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskFaults } from "./disk-faults.js";
import { ExportError } from "./errors.js";
import { ExportFs } from "./export-fs.js";

const DOM = 1;
let root: string;
let faults: DiskFaults;
let deaths: number;
let fs: ExportFs;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), "xenfs-disk-faults-")));
  await writeFile(join(root, "file"), "0123456789");
  await writeFile(join(root, "app.log"), "log");
  deaths = 0;
  faults = new DiskFaults("", undefined, () => {
    deaths += 1;
  });
  fs = new ExportFs(root, { disk: faults });
});

afterEach(async () => {
  await fs.closeGuest(DOM);
  await fs.closeGuest(DOM + 1);
  await rm(root, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<ExportError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ExportError);
  return error as ExportError;
}

describe("disk faults under the export", () => {
  it("eio=read fails reads with EIO and writes still land", async () => {
    faults.set("eio=read");
    const id = await fs.open(DOM, "file", "r+");
    const error = await errorOf(fs.read(DOM, id, 0, 10));
    expect([error.code, error.errno, error.syscall, error.path]).toEqual(["EIO", -5, "read", "file"]);
    expect(await fs.write(DOM, id, 0, Buffer.from("ab"))).toBe(2);
    faults.set("");
    expect((await fs.read(DOM, id, 0, 10)).toString()).toBe("ab23456789");
    expect(faults.view().injected.eio_read).toBe(0);
  });

  it("a write failed with EIO is in neither the file nor a later read, and its growth is undone", async () => {
    faults.set("eio=write:path=file");
    const id = await fs.open(DOM, "file", "r+");
    expect((await errorOf(fs.write(DOM, id, 6, Buffer.from("ABCDEFGH")))).code).toBe("EIO");
    expect(faults.view().injected.eio_write).toBe(1);
    const other = await fs.open(DOM + 1, "file", "r");
    expect((await fs.read(DOM + 1, other, 0, 64)).toString()).toBe("0123456789");
    expect(await readFile(join(root, "file"), "utf8")).toBe("0123456789");
    expect((await fs.fstat(DOM, id)).size).toBe(10);
    // The pattern names one file: the log is written.
    const log = await fs.open(DOM, "app.log", "r+");
    expect(await fs.write(DOM, log, 3, Buffer.from("!"))).toBe(1);
  });

  it("enospc_after refuses the write that would pass the budget, untouched, and counts what landed", async () => {
    faults.set("enospc_after=8B");
    const id = await fs.open(DOM, "file", "r+");
    expect(await fs.write(DOM, id, 0, Buffer.from("abcde"))).toBe(5);
    const error = await errorOf(fs.write(DOM, id, 5, Buffer.from("fghij")));
    expect([error.code, error.errno]).toEqual(["ENOSPC", -28]);
    expect(await readFile(join(root, "file"), "utf8")).toBe("abcde56789");
    expect(await fs.write(DOM, id, 5, Buffer.from("xyz"))).toBe(3);
    expect(faults.view()).toMatchObject({ bytesWritten: 8, injected: { enospc: 1 } });
  });

  it("slow_fsync holds every sync of a matching file", async () => {
    faults.set("slow_fsync=150ms:path=*.log");
    const log = await fs.open(DOM, "app.log", "r+");
    const file = await fs.open(DOM, "file", "r+");
    let start = performance.now();
    await fs.write(DOM, log, 0, Buffer.from("L"));
    await fs.sync(DOM, log);
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
    start = performance.now();
    await fs.write(DOM, file, 0, Buffer.from("F"));
    expect(performance.now() - start).toBeLessThan(140);
    expect(faults.view().injected.slow_fsync).toBe(2);
  });

  it("torn_write puts half the bytes in the file and ends the process before fdatasync or reply", async () => {
    faults.set("torn_write:after=2:path=file");
    const id = await fs.open(DOM, "file", "r+");
    expect(await fs.write(DOM, id, 0, Buffer.from("ab"))).toBe(2);
    let settled = false;
    void fs.write(DOM, id, 2, Buffer.from("WXYZ")).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(deaths).toBe(1);
    expect(settled).toBe(false);
    expect(await readFile(join(root, "file"), "utf8")).toBe("abWX456789");
  });

  it("probabilities repeat from the seed", async () => {
    const pattern = async () => {
      faults.set("eio=read:p=0.5,seed=7");
      const id = await fs.open(DOM, "file", "r");
      const outcomes: string[] = [];
      for (let i = 0; i < 32; i++)
        outcomes.push(
          await fs.read(DOM, id, 0, 1).then(
            () => "ok",
            (e: ExportError) => e.code,
          ),
        );
      return outcomes;
    };
    const first = await pattern();
    expect(first).toContain("ok");
    expect(first).toContain("EIO");
    expect(await pattern()).toEqual(first);
  });

  it("a bad spec is refused and the rules in force stay", () => {
    faults.set("eio=read");
    expect(() => faults.set("eio=sometimes")).toThrow('"eio=sometimes"');
    expect(faults.view().spec).toBe("eio=read");
  });
});

describe("disk faults on a write-only file", () => {
  it("a write failed with EIO through a write-only descriptor leaves the file as it was", async () => {
    faults.set("eio=write");
    const id = await fs.open(DOM, "file", "w");
    expect((await errorOf(fs.write(DOM, id, 0, Buffer.from("abc")))).code).toBe("EIO");
    expect(await readFile(join(root, "file"), "utf8")).toBe("");
    faults.set("");
    expect(await fs.write(DOM, id, 0, Buffer.from("abc"))).toBe(3);
    faults.set("eio=write");
    expect((await errorOf(fs.write(DOM, id, 1, Buffer.from("XYZW")))).code).toBe("EIO");
    expect(await readFile(join(root, "file"), "utf8")).toBe("abc");
  });

  it("a write failed with EIO through an O_APPEND descriptor leaves the file as it was", async () => {
    faults.set("eio=write");
    const id = await fs.open(DOM, "file", "a");
    expect((await errorOf(fs.write(DOM, id, 0, Buffer.from("tail")))).code).toBe("EIO");
    expect(await readFile(join(root, "file"), "utf8")).toBe("0123456789");
  });
});
