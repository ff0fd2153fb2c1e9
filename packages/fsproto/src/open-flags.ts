// Linux open(2) flag values, so a Linux backend passes them straight through.
export const O = {
  O_RDONLY: 0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
} as const;

export const O_ACCMODE = 0o3;

const KNOWN_BITS = Object.values(O).reduce((bits: number, flag) => bits | flag, 0);

/** Why a flags word is not a valid open(2) request, or undefined when it is. */
export function openFlagsProblem(flags: number): string | undefined {
  if ((flags & ~KNOWN_BITS) !== 0) return `undefined open flag bits 0o${(flags & ~KNOWN_BITS).toString(8)}`;
  if ((flags & O_ACCMODE) === O_ACCMODE) return "access mode O_WRONLY|O_RDWR";
  return undefined;
}
