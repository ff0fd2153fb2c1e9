// An inode number the filesystem gives back to a new file is a new identity: ext4 hands a freed
// number to the next file it creates, which is what a renamer does (rename the staging file over
// the key, then make the next staging file at once).
import { mkdtemp, realpath, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ExportFs } from "./export-fs.js";
import { identityKey } from "./stat.js";

let root: string;
let fs: ExportFs;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), "xenfs-identity-")));
  fs = new ExportFs(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it("gives a file made on a recycled inode number another key than the file that had it", async (ctx) => {
  await writeFile(join(root, "key"), "v1");
  let reused = false;
  for (let version = 2; version < 50 && !reused; version++) {
    const old = await fs.stat("key");
    await writeFile(join(root, "key.tmp"), `v${version}`);
    await rename(join(root, "key.tmp"), join(root, "key")); // unlinks old's inode
    await writeFile(join(root, "next"), "a new file");
    const next = await fs.stat("next");
    await rm(join(root, "next"));
    if (next.ino !== old.ino || next.dev !== old.dev) continue;
    reused = true;
    expect(identityKey(next)).not.toBe(identityKey(old));
    // A new file starts its versions afresh, never at the dead file's count.
    expect(next.version).toBe(0);
  }
  // Filesystems that never recycle a number at once (tmpfs) cannot show it.
  if (!reused) ctx.skip();
});
