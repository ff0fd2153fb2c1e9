// The block-mode baseline's disk: an ext4 image of the export, made as a user would with Debian's
// e2fsprogs (`mkfs.ext4 -d <export> <image> <size>`), served read-only by dom0's blkback
// (XENFS_VBD_IMAGE) to every guest. Made once per run, after the export is written.
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const MKFS = "/usr/sbin/mkfs.ext4";
const MiB = 1024 * 1024;
const BLOCK = 4096;

/** Why block mode cannot run here, or undefined. */
export function blockImageMissing(): string | undefined {
  return spawnSync(MKFS, ["-V"]).error ? `no ${MKFS} (apt-get install -y e2fsprogs)` : undefined;
}

/** Blocks and inodes the tree needs: every file rounds up to a block, each directory one. */
async function usage(dir: string): Promise<{ bytes: number; inodes: number }> {
  let bytes = BLOCK;
  let inodes = 1;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = await usage(path);
      bytes += sub.bytes;
      inodes += sub.inodes;
    } else {
      bytes += Math.ceil((await stat(path)).size / BLOCK) * BLOCK;
      inodes++;
    }
  }
  return { bytes, inodes };
}

export interface BlockImage {
  readonly path: string;
  remove(): Promise<void>;
}

export async function makeBlockImage(exportDir: string): Promise<BlockImage> {
  const dir = await mkdtemp(join(tmpdir(), "xenfs-bench-image-"));
  const path = join(dir, "export.ext4");
  const { bytes, inodes } = await usage(exportDir);
  // A quarter spare for metadata and the journal, and room for a small file system's fixed parts.
  const sizeMb = Math.ceil((bytes * 1.25) / MiB) + 64;
  await promisify(execFile)(
    MKFS,
    ["-q", "-F", "-b", String(BLOCK), "-N", String(inodes + 1024), "-d", exportDir, path, `${sizeMb}M`],
    { maxBuffer: MiB },
  );
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
