import { createHash } from "node:crypto";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureSampleTree, SAMPLE_ENTRIES } from "./sample-tree.js";

const sha256 = async (path: string): Promise<string> =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

/** Every path under `root` with a fingerprint: file hash or symlink target. */
async function fingerprint(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of await readdir(root, { recursive: true })) {
    const path = join(root, name);
    const info = await lstat(path);
    if (info.isSymbolicLink()) result[name] = `-> ${await readlink(path)}`;
    else if (info.isFile()) result[name] = await sha256(path);
  }
  return result;
}

describe("ensureSampleTree", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "xenfs-sample-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is deterministic: two trees are byte-identical, and the binaries have fixed contents", async () => {
    await ensureSampleTree(join(dir, "a"));
    await ensureSampleTree(join(dir, "b"));
    const a = await fingerprint(join(dir, "a"));
    expect(await fingerprint(join(dir, "b"))).toEqual(a);
    // Pinned: benchmarks and cross-service tests may rely on these exact bytes.
    expect(a["data/random-4MiB.bin"]).toBe(
      "20383b9f6ac5060058eb51944615df98b13dc210f00f9189b9eced874f6ddeaf",
    );
    expect(a["data/random-2MiB.bin"]).toBe(
      "0e8938554e8833328ae3009997ee17dadd747c34dc6709bb85a2b50e1d724b19",
    );
  });

  it("holds directories, multi-page text, MiB-sized binaries and a symlink that stays inside", async () => {
    await ensureSampleTree(dir);
    expect(Object.keys(await fingerprint(dir)).sort()).toEqual(SAMPLE_ENTRIES.map((e) => e.path).sort());
    expect(await readFile(join(dir, "README.txt"), "utf8")).toMatch(/exported by dom0/);

    const guide = await readFile(join(dir, "docs/guide.txt"), "utf8");
    expect(guide.length).toBeGreaterThan(4 * 4096);
    expect(guide.split("\n")[1]).toBe("line 000002: the quick brown fox jumps over the lazy dog");
    expect((await lstat(join(dir, "docs/empty.txt"))).size).toBe(0);

    expect((await lstat(join(dir, "data/random-4MiB.bin"))).size).toBe(4 * 1024 * 1024);
    expect((await lstat(join(dir, "data/random-2MiB.bin"))).size).toBe(2 * 1024 * 1024);

    const link = join(dir, "docs/latest.txt");
    expect(await readlink(link)).toBe("guide.txt");
    const target = await realpath(link);
    expect(relative(await realpath(dir), target)).toBe(join("docs", "guide.txt"));
    expect(await readFile(link, "utf8")).toBe(guide);
  });

  it("is idempotent: a second run rewrites nothing", async () => {
    expect(await ensureSampleTree(dir)).toBe(SAMPLE_ENTRIES.length);
    const before = await fingerprint(dir);
    expect(await ensureSampleTree(dir)).toBe(0);
    expect(await fingerprint(dir)).toEqual(before);
  });

  it("repairs changed or replaced entries and keeps files others added", async () => {
    await ensureSampleTree(dir);
    const before = await fingerprint(dir);
    await writeFile(join(dir, "README.txt"), "scribbled over by a guest");
    await rm(join(dir, "docs/latest.txt"));
    await writeFile(join(dir, "docs/latest.txt"), "no longer a link");
    await rm(join(dir, "src/hello.c"));
    await mkdir(join(dir, "src/hello.c"));
    await writeFile(join(dir, "data/guest-notes.txt"), "mine");

    expect(await ensureSampleTree(dir)).toBe(3);
    expect(await fingerprint(dir)).toEqual({
      ...before,
      "data/guest-notes.txt": await sha256(join(dir, "data/guest-notes.txt")),
    });
  });
});
