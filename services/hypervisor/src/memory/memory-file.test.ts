import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryFile } from "./memory-file.js";

const dir = mkdtempSync(join(tmpdir(), "xenfs-memfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that no process has: one that just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("MemoryFile", () => {
  it("is created sparse at frames × 4096 bytes plus a dirty byte per frame, mode 0600, and removed on close", () => {
    const { file } = MemoryFile.create(dir, 1024);
    const st = statSync(file.path);
    expect(st.size).toBe(1024 * XEN_PAGE_SIZE + 1024);
    expect(st.mode & 0o777).toBe(0o600);
    expect(file.residentBytes()).toBeLessThan(64 * XEN_PAGE_SIZE); // holes cost nothing
    expect(st.ino).toBe(file.ino);
    file.close();
    expect(existsSync(file.path)).toBe(false);
  });

  it("puts machine frame mfn at byte mfn × 4096 and zeroes a used frame when handed out again", () => {
    const { file } = MemoryFile.create(dir, 8);
    file.zero([3]);
    file.write(3, 10, Uint8Array.of(1, 2, 3));
    expect(file.read(3, 9, 5)).toEqual(Uint8Array.of(0, 1, 2, 3, 0));
    const raw = new Uint8Array(3);
    file.readInto(3, 10, raw);
    expect(raw).toEqual(Uint8Array.of(1, 2, 3));
    file.zero([2, 3, 4]);
    expect(file.read(3, 0, XEN_PAGE_SIZE)).toEqual(new Uint8Array(XEN_PAGE_SIZE));
    file.close();
  });

  it("fills frames with whole pages in runs, padding a short page, and marks each dirty", () => {
    const { file } = MemoryFile.create(dir, 8);
    file.zero([1, 2, 3, 4, 6]);
    for (const mfn of [1, 2, 3, 4, 6]) file.write(mfn, 0, new Uint8Array(XEN_PAGE_SIZE).fill(0xee));
    file.clearDirty([0, 1, 2, 3, 4, 5, 6, 7]);
    const page = (b: number) => new Uint8Array(XEN_PAGE_SIZE).fill(b);
    // Two runs (2–4, 6) and a page shorter than a frame.
    file.fill([2, 3, 4, 6], [page(2), page(3), Uint8Array.of(9, 9), page(6)]);
    expect(file.read(2, 0, XEN_PAGE_SIZE)).toEqual(page(2));
    expect(file.read(3, 0, XEN_PAGE_SIZE)).toEqual(page(3));
    const short = file.read(4, 0, XEN_PAGE_SIZE);
    expect([...short.subarray(0, 3)]).toEqual([9, 9, 0]);
    expect(short.subarray(2).every((b) => b === 0)).toBe(true);
    expect(file.read(6, 0, XEN_PAGE_SIZE)).toEqual(page(6));
    expect(file.read(1, 0, 1)).toEqual(Uint8Array.of(0xee)); // untouched
    expect([...file.readDirty()]).toEqual([0, 0, 1, 1, 1, 0, 1, 0]);
    file.close();
  });

  it("replaces a stale file whose hypervisor died, and leaves a live one and another host's alone", () => {
    const host = hostname();
    const stale = join(dir, `xenfs-memory.${deadPid()}.1.${host}`);
    // A restarted container's hypervisor has the same pid (1) as the one that crashed.
    const samePid = join(dir, `xenfs-memory.${process.pid}.999.${host}`);
    const live = join(dir, `xenfs-memory.${process.ppid}.1.${host}`);
    const elsewhere = join(dir, `xenfs-memory.${deadPid()}.1.another-host`);
    for (const path of [stale, samePid, live, elsewhere]) writeFileSync(path, "x");
    const { file, stale: removed } = MemoryFile.create(dir, 4);
    expect(removed.sort()).toEqual([samePid, stale].sort());
    expect([stale, samePid, live, elsewhere].map((path) => existsSync(path))).toEqual([
      false,
      false,
      true,
      true,
    ]);
    // Its own live file is never taken for a stale one.
    const second = MemoryFile.create(dir, 4);
    expect(second.stale).toEqual([]);
    second.file.close();
    expect(existsSync(file.path)).toBe(true);
    file.close();
    rmSync(live);
    rmSync(elsewhere);
  });
});
