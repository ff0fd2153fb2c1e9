// The mount a guest's service works through, whatever XENFS_MODE says: the XenFS device (shared,
// copy, cow) or the ext2/3/4 filesystem on its vbd (block). The rejoin loop, the admin API and the
// workload take this, so every mode runs behind the same fs/promises subset (docs/blkif.md
// "Block mode").
import type { XenDomain } from "@xenfs/libxen";
import { mountBlock } from "./block/mount-block.js";
import type { XenfsModeName } from "./frontend/modes.js";
import { type MountOptions, mount } from "./xenfs.js";

/** A page of the guest's memory. */
const PAGE_BYTES = 4096;

export interface GuestStats {
  readonly size: number;
  readonly mode: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface GuestDirent {
  readonly name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface GuestFileHandle {
  read(
    buffer: Uint8Array,
    offset?: number,
    length?: number,
    position?: number,
  ): Promise<{ bytesRead: number }>;
  stat(): Promise<GuestStats>;
  close(): Promise<void>;
}

/** What /api/mount shows: the mount's mode and state, and what the mounts have done. */
export interface GuestMountSnapshot {
  readonly mode: XenfsModeName;
  readonly state: string;
  /** Frames of file data the guest holds: mapped, its own copies, or (block) its disk cache. */
  readonly pagesHeld: number;
  /** Requests on the device's ring (XenFS requests, or blkif requests). */
  readonly requests: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Reads answered from what the guest held, with no request. */
  readonly readsLocal: number;
}

export interface GuestMount {
  readonly mode: XenfsModeName;
  /** The device's xenbus state: Connected while its backend serves it. */
  readonly state: string;
  /** True when every change is refused EROFS (a block mount of a read-only disk); absent: false. */
  readonly readonly?: boolean;
  snapshot(): GuestMountSnapshot;
  unmount(): Promise<void>;
  /** The domain is gone: what waits and every later call fails; nothing is given back. */
  abandon(): void;
  readFile(path: string): Promise<Buffer>;
  readFile(path: string, encoding: BufferEncoding): Promise<string>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  appendFile(path: string, data: string | Uint8Array): Promise<void>;
  open(path: string, flags?: "r"): Promise<GuestFileHandle>;
  readdir(path: string): Promise<string[]>;
  readdir(path: string, options: { withFileTypes: true }): Promise<GuestDirent[]>;
  stat(path: string): Promise<GuestStats>;
  lstat(path: string): Promise<GuestStats>;
  exists(path: string): Promise<boolean>;
  readlink(path: string): Promise<string>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<unknown>;
  rmdir(path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

export interface GuestMountOptions extends Omit<MountOptions, "mode"> {
  readonly mode: XenfsModeName;
  /** Block mode: mount read-write when the disk allows it (default: read-only). */
  readonly writable?: boolean;
}

/**
 * Mounts the guest's device for `mode`: the XenFS device, or (block) its vbd's filesystem. In
 * block mode `maxPagesHeld`, when given, bounds the guest's own disk cache (pages of 4 KiB), as it
 * bounds the frames of file data a XenFS mount keeps; `requestTimeoutMs`, `handleCacheSize` and
 * `onError` are XenFS's alone.
 */
export async function mountGuest(domain: XenDomain, options: GuestMountOptions): Promise<GuestMount> {
  const { mode, writable, ...rest } = options;
  if (mode !== "block") return mount(domain, { ...rest, mode });
  return mountBlock(domain, {
    readonly: writable !== true,
    ...(rest.counters === undefined ? {} : { counters: rest.counters }),
    ...(rest.maxPagesHeld === undefined ? {} : { cacheBytes: rest.maxPagesHeld * PAGE_BYTES }),
    ...(rest.devid === undefined ? {} : { devid: rest.devid }),
    ...(rest.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: rest.connectTimeoutMs }),
    ...(rest.onWaiting === undefined ? {} : { onWaiting: rest.onWaiting }),
  });
}
