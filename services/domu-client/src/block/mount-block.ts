// mountBlock(): `block` mode — the guest's vbd attached, the ext2/3/4 filesystem on it mounted with
// libext2fs. A disk that holds no filesystem libext2fs can open, or one cut short of the size its
// superblock gives, is a BlockMountError saying so, and the vbd is detached again.
import type { XenDomain } from "@xenfs/libxen";
import { BLKIF_SECTOR_SIZE } from "@xenfs/proto";
import { xenbusStateName } from "@xenfs/xenbus";
import { type AttachedVbd, attachVbd, type BlkfrontOptions } from "../blkfront/index.js";
import { MountCounters } from "../mount/counters.js";
import { MountError, waitConnected } from "../xenfs.js";
import { BlockMount } from "./block-mount.js";
import { ext2fs } from "./ext2fs.js";
import { SUPERBLOCK, superblockProblem } from "./superblock.js";
import { VbdDisk, type VbdDiskOptions } from "./vbd-disk.js";

export class BlockMountError extends Error {
  override readonly name = "BlockMountError";
  readonly code = "EINVAL";
}

export interface MountBlockOptions extends BlkfrontOptions, Pick<VbdDiskOptions, "cacheBytes"> {
  readonly devid?: number;
  /** Mount read-only even when the disk is writable (a read-only disk always is). */
  readonly readonly?: boolean;
  /** Where bytes and requests are counted (a service passes one to every mount it makes). */
  readonly counters?: MountCounters;
  /** Longest the vbd's backend may take to connect; 0 or absent: as long as it takes. */
  readonly connectTimeoutMs?: number;
  /** Told, at growing intervals, how long the mount has been waiting for the backend. */
  readonly onWaiting?: (waitedMs: number) => void;
}

export async function mountBlock(domain: XenDomain, options: MountBlockOptions = {}): Promise<BlockMount> {
  const devid = options.devid ?? 0;
  const vbd = await attach(domain, options);
  const readonly = options.readonly === true || vbd.disk.geometry.readonly;
  const counters = options.counters ?? new MountCounters();
  const disk = new VbdDisk(vbd.disk, readonly, {
    ...(options.cacheBytes === undefined ? {} : { cacheBytes: options.cacheBytes }),
    onRequest: () => {
      counters.requests += 1;
    },
    onLocalRead: () => {
      counters.readsLocal += 1;
    },
  });
  const lib = ext2fs();
  let fs: Awaited<ReturnType<typeof lib.mount>>;
  try {
    const bytes = vbd.disk.geometry.sectors * BLKIF_SECTOR_SIZE;
    const superblock = new Uint8Array(Math.max(0, Math.min(SUPERBLOCK.size, bytes - SUPERBLOCK.offset)));
    if (superblock.length > 0) await disk.read(superblock, 0, superblock.length, SUPERBLOCK.offset);
    const problem = superblockProblem(superblock, bytes);
    if (problem) throw new Error(problem);
    fs = await lib.mount(disk, 0);
  } catch (error) {
    await vbd.close();
    const reason = (error as Error).message;
    throw new BlockMountError(`vbd ${devid} holds no ext2/3/4 filesystem libext2fs can open: ${reason}`);
  }
  let unmounted = false;
  return new BlockMount({
    fs: fs.promises,
    readonly,
    disk,
    counters,
    state: () => xenbusStateName(vbd.frontend.state),
    unmount: async () => {
      if (unmounted) return;
      unmounted = true;
      // ext2fs's umount closes every fd it still lists, and fails on any it cannot: the disk
      // goes either way.
      await lib.umount(fs).catch(() => {});
      await vbd.close();
    },
    // Requests waiting fail at once; the grants and frames went with the domain.
    abandon: () => {
      unmounted = true;
      vbd.disk.close();
    },
  });
}

/** The vbd, connected; with a bound, a MountError when its backend has not connected in time. */
async function attach(domain: XenDomain, options: MountBlockOptions): Promise<AttachedVbd> {
  const abort = new AbortController();
  const attaching = attachVbd(domain, { maxRingPageOrder: 2, ...options, signal: abort.signal });
  const connected = attaching.then(
    () => undefined,
    () => undefined,
  );
  const timeoutMs = options.connectTimeoutMs ?? 0;
  if (!(await waitConnected(connected, timeoutMs, options.onWaiting ?? (() => {})))) {
    abort.abort();
    // Connected just as the time ran out: let it go again.
    await (await attaching.catch(() => undefined))?.close();
    throw new MountError(`no vbd backend connected within ${timeoutMs}ms`);
  }
  return attaching;
}
