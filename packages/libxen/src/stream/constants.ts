// docs/specs/libxc-migration-stream.pandoc (revision 3): the image header, domain header and
// record types, with Xen's names and numbers, plus the records this project adds
// (docs/migration.md says where and why the stream differs from Xen's).

/** Image header: `marker`, `id` "XENF", `version`, `options` (big-endian, 24 octets). */
export const IHDR = {
  MARKER: 0xffffffffffffffffn,
  ID: 0x58454e46,
  VERSION: 3,
  OPT_BIG_ENDIAN: 1,
  SIZE: 24,
} as const;

/** Domain header `type`: Xen's are x86 PV (1) and HVM (2); a process domain is neither. */
export const DHDR_TYPE = {
  X86_PV: 0x0001,
  X86_HVM: 0x0002,
  /** This project's: a domain whose "kernel" is an OS process (from the reserved range). */
  XENFS_PROCESS: 0x5846,
} as const;

export const DHDR_SIZE = 16;

/** The version the domain header names (Xen 4.0's features are the ones followed). */
export const XEN_VERSION = { major: 4, minor: 0 } as const;

/** Record types (REC_TYPE_*). Bit 31 set = optional. */
export const REC_TYPE = {
  END: 0x00000000,
  PAGE_DATA: 0x00000001,
  X86_PV_INFO: 0x00000002,
  X86_PV_P2M_FRAMES: 0x00000003,
  SHARED_INFO: 0x00000007,
  VERIFY: 0x0000000d,
  CHECKPOINT: 0x0000000e,
  CHECKPOINT_DIRTY_PFN_LIST: 0x0000000f,
  STATIC_DATA_END: 0x00000010,
  /**
   * This project's mandatory records, from the range the spec reserves for future mandatory
   * records (0x13 … 0x7FFFFFFF; Xen keeps no range for other users): "XF" in the top half.
   */
  XENFS_DOMAIN: 0x58460001,
  XENFS_GRANT_TABLE: 0x58460002,
  XENFS_EVTCHN: 0x58460003,
  XENFS_XENSTORE: 0x58460004,
} as const;
export type RecType = (typeof REC_TYPE)[keyof typeof REC_TYPE];

export const REC_TYPE_OPTIONAL = 0x80000000;

/** XEN_DOMCTL_PFINFO_* in bits 63–60 of a PAGE_DATA pfn. */
export const PFINFO = {
  NOTAB: 0x0,
  BROKEN: 0xd,
  XALLOC: 0xe,
  XTAB: 0xf,
} as const;

/** Limits a reader enforces before it allocates anything. */
export const STREAM_LIMITS = {
  /** libxc's MAX_BATCH_SIZE: pages in one PAGE_DATA record. */
  maxBatch: 1024,
  /** pfns are below 2^20 (the hypervisor's 4 GiB pseudo-physical space). */
  pfnLimit: 1 << 20,
  /** A record other than PAGE_DATA. */
  maxRecordBody: 1 << 20,
  /** Ports 1 … 4095 (2-level ABI). */
  maxPorts: 4095,
  /** Grant-table frames (Xen's default max_grant_frames). */
  maxGrantFrames: 32,
  /** A domain name, in UTF-8 bytes. */
  maxName: 64,
  /** A session key, in bytes. */
  maxKey: 64,
} as const;
