import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExportFs } from "./export-fs.js";
import type { DirEntry } from "./readdir.js";

const MANY = 1_050;
let base: string;
let root: string;
let fs: ExportFs;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "xenfs-readdir-")));
  root = join(base, "export");
  await mkdir(join(root, "big"), { recursive: true });
  await mkdir(join(base, "outside"));
  fs = new ExportFs(root);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "resolved",
    (err: { code: string }) => err.code,
  );
}

/** Every page of a listing, `between` run after each page but the last. */
async function listAll(path: string, max: number, between?: () => Promise<void>): Promise<DirEntry[]> {
  const all: DirEntry[] = [];
  let cookie: string | null = null;
  for (;;) {
    const page = await fs.readdir(path, cookie, max);
    expect(page.entries.length).toBeLessThanOrEqual(max);
    all.push(...page.entries);
    if (page.nextCookie === null) return all;
    cookie = page.nextCookie;
    await between?.();
  }
}

describe("readdir", () => {
  it("pages over more than 1,000 entries with cookies, each name exactly once, sorted", async () => {
    // Written in a shuffled order so the sort is the listing's, not the creation's.
    const names = Array.from({ length: MANY }, (_, i) => `entry-${(i * 7919) % MANY}`);
    for (const name of names) await writeFile(join(root, "big", name), "");
    const listed = (await listAll("big", 97)).map((entry) => entry.name);
    expect(listed).toHaveLength(MANY);
    expect(new Set(listed).size).toBe(MANY);
    expect(listed).toEqual([...names].sort());
  });

  it("never repeats a name when entries come and go between pages", async () => {
    for (let i = 0; i < 300; i += 1) await writeFile(join(root, "big", `n${String(i).padStart(3, "0")}`), "");
    let round = 0;
    const listed = await listAll("big", 50, async () => {
      round += 1;
      await rm(join(root, "big", `n${String(round * 10).padStart(3, "0")}`));
      await writeFile(join(root, "big", `a-new-${round}`), "");
      await writeFile(join(root, "big", `z-new-${round}`), "");
    });
    const names = listed.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    // Names present throughout were all listed; names added behind the cookie are not.
    expect(names).toContain("n299");
    expect(names).toContain("z-new-1");
    expect(names).not.toContain("a-new-1");
  });

  it("reports each entry's type and lists everything without a limit", async () => {
    await writeFile(join(root, "f"), "");
    await symlink("big", join(root, "l"));
    const page = await fs.readdir("");
    expect(page).toEqual({
      entries: [
        { name: "big", type: "dir" },
        { name: "f", type: "file" },
        { name: "l", type: "symlink" },
      ],
      nextCookie: null,
    });
    expect(await fs.readdir("l")).toEqual({ entries: [], nextCookie: null });
  });

  it("refuses bad cookies and limits with EINVAL, a file with ENOTDIR, a way out with EXDEV", async () => {
    await writeFile(join(root, "f"), "");
    await symlink("../outside", join(root, "out"));
    for (const cookie of ["", "a/b", "x\0", "n".repeat(256), 5 as unknown as string]) {
      expect(await codeOf(fs.readdir("", cookie))).toBe("EINVAL");
    }
    for (const max of [0, -1, 1.5, Number.NaN])
      expect(await codeOf(fs.readdir("", null, max))).toBe("EINVAL");
    expect(await codeOf(fs.readdir("f"))).toBe("ENOTDIR");
    expect(await codeOf(fs.readdir("out"))).toBe("EXDEV");
    expect(await codeOf(fs.readdir("../"))).toBe("EACCES");
  });
});
