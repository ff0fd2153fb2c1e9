// The ext2/3/4 superblock's size fields, read before libext2fs mounts the disk: an image cut short
// (a copy that stopped, a file truncated to a sector boundary) still opens in libext2fs, and its
// reads past the end would fail one by one later. Checked here, it is one clear error at mount.
// Layout: struct ext4_super_block (e2fsprogs lib/ext2fs/ext2_fs.h), at byte 1024 of the disk.

/** Where the superblock starts, and its length. */
export const SUPERBLOCK = { offset: 1024, size: 1024 } as const;

const EXT2_SUPER_MAGIC = 0xef53;
const EXT4_FEATURE_INCOMPAT_64BIT = 0x80;

const FIELD = {
  s_blocks_count_lo: 0x04,
  s_log_block_size: 0x18,
  s_magic: 0x38,
  s_feature_incompat: 0x60,
  s_blocks_count_hi: 0x150,
} as const;

/** Why the superblock does not describe a filesystem that fits the disk; undefined when it does. */
export function superblockProblem(superblock: Uint8Array, diskBytes: number): string | undefined {
  if (superblock.length < SUPERBLOCK.size) return "the disk is too small to hold a superblock";
  const view = new DataView(superblock.buffer, superblock.byteOffset, superblock.byteLength);
  const magic = view.getUint16(FIELD.s_magic, true);
  if (magic !== EXT2_SUPER_MAGIC)
    return `no ext2/3/4 superblock (magic 0x${magic.toString(16)} at byte ${SUPERBLOCK.offset + FIELD.s_magic}, want 0xef53)`;
  const logBlockSize = view.getUint32(FIELD.s_log_block_size, true);
  if (logBlockSize > 6) return `block size 1024 << ${logBlockSize} is out of range`;
  const is64 = (view.getUint32(FIELD.s_feature_incompat, true) & EXT4_FEATURE_INCOMPAT_64BIT) !== 0;
  const blocks =
    view.getUint32(FIELD.s_blocks_count_lo, true) +
    (is64 ? view.getUint32(FIELD.s_blocks_count_hi, true) * 2 ** 32 : 0);
  const fsBytes = blocks * (1024 << logBlockSize);
  if (fsBytes > diskBytes)
    return `the image is truncated: its filesystem spans ${fsBytes} bytes, the disk holds ${diskBytes}`;
  return undefined;
}
