// Linux d_type values (dirent.h), as readdir reports them.
export const DT = {
  DT_UNKNOWN: 0,
  DT_FIFO: 1,
  DT_CHR: 2,
  DT_DIR: 4,
  DT_BLK: 6,
  DT_REG: 8,
  DT_LNK: 10,
  DT_SOCK: 12,
} as const;

export type DirentType = (typeof DT)[keyof typeof DT];

const TYPES = new Set<number>(Object.values(DT));

export function isDirentType(value: number): value is DirentType {
  return TYPES.has(value);
}
