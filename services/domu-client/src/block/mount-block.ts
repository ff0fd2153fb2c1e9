// mountBlock(): `block` mode — the guest's vbd attached, the ext2/3/4 filesystem on it mounted with
// libext2fs. A disk that holds no filesystem libext2fs can open is a BlockMountError saying so,
// and the vbd is detached again.
import type { XenDomain } from "@xenfs/libxen";
import { attachVbd, type BlkfrontOptions } from "../blkfront/index.js";
import { BlockMount } from "./block-mount.js";
import { ext2fs } from "./ext2fs.js";
import { VbdDisk } from "./vbd-disk.js";

export class BlockMountError extends Error {
  override readonly name = "BlockMountError";
  readonly code = "EINVAL";
}

export async function mountBlock(
  domain: XenDomain,
  options: BlkfrontOptions & { devid?: number } = {},
): Promise<BlockMount> {
  const vbd = await attachVbd(domain, { maxRingPageOrder: 2, ...options });
  const readonly = vbd.disk.geometry.readonly;
  const disk = new VbdDisk(vbd.disk, readonly);
  const lib = ext2fs();
  let fs: Awaited<ReturnType<typeof lib.mount>>;
  try {
    fs = await lib.mount(disk, 0);
  } catch (error) {
    await vbd.close();
    const reason = (error as Error).message;
    throw new BlockMountError(
      `vbd ${options.devid ?? 0} holds no ext2/3/4 filesystem libext2fs can open: ${reason}`,
    );
  }
  let unmounted = false;
  return new BlockMount(fs.promises, readonly, async () => {
    if (unmounted) return;
    unmounted = true;
    // ext2fs's umount closes every fd it still lists, and fails on any it cannot: the disk
    // goes either way.
    await lib.umount(fs).catch(() => {});
    await vbd.close();
  });
}
