// Node's string open flags as Linux O_* bits (what the open request carries).
import { O } from "@xenfs/fsproto";

export const OPEN_FLAGS = {
  r: O.O_RDONLY,
  "r+": O.O_RDWR,
  w: O.O_WRONLY | O.O_CREAT | O.O_TRUNC,
  wx: O.O_WRONLY | O.O_CREAT | O.O_TRUNC | O.O_EXCL,
  "w+": O.O_RDWR | O.O_CREAT | O.O_TRUNC,
  "wx+": O.O_RDWR | O.O_CREAT | O.O_TRUNC | O.O_EXCL,
  a: O.O_WRONLY | O.O_CREAT | O.O_APPEND,
  ax: O.O_WRONLY | O.O_CREAT | O.O_APPEND | O.O_EXCL,
  "a+": O.O_RDWR | O.O_CREAT | O.O_APPEND,
  "ax+": O.O_RDWR | O.O_CREAT | O.O_APPEND | O.O_EXCL,
} as const;

export type OpenFlag = keyof typeof OPEN_FLAGS;

export function openFlags(flag: OpenFlag | number): number {
  if (typeof flag === "number") return flag;
  const bits = OPEN_FLAGS[flag] as number | undefined;
  if (bits === undefined) throw new TypeError(`unknown open flag ${JSON.stringify(flag)}`);
  return bits;
}

/** Reopening a file after a reconnect must not create, truncate or fail on it again. */
export function reopenFlags(flags: number): number {
  return flags & ~(O.O_CREAT | O.O_EXCL | O.O_TRUNC);
}
