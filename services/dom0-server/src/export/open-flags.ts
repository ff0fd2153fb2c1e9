// How the export opens a file, from the open's name (fsproto's OPEN_FLAGS: Node's flag strings
// and the reopen modes) through fsproto's one flag table to the host's open(2) bits.
import { constants } from "node:fs";
import { decodeOpenFlags, hostOpenFlags, isOpenFlags, O, O_ACCMODE, OPEN_FLAGS } from "@xenfs/fsproto";
import { ExportError } from "./errors.js";

/** What an open does to the disk, decoded from its flags. */
export interface OpenMode {
  /**
   * Access and status flags for open(2). Never O_CREAT, O_EXCL or O_TRUNC: the opener adds the first
   * two, and truncates only once it has checked what it opened.
   */
  readonly flags: number;
  readonly create: boolean;
  readonly exclusive: boolean;
  /** Drop an existing file's content (a file an exclusive open creates has none to drop). */
  readonly truncate: boolean;
}

/** Create-only opens (`ExportFs.create`): read access suffices, an existing file is left as it is. */
export const CREATE_ONLY: OpenMode = {
  flags: constants.O_RDONLY,
  create: true,
  exclusive: false,
  truncate: false,
};
export const CREATE_EXCLUSIVE: OpenMode = { ...CREATE_ONLY, exclusive: true };

/** Decode a guest's flags string; anything but OPEN_FLAGS' names is EINVAL. */
export function parseOpenFlags(flags: unknown, syscall: string, path: string): OpenMode {
  if (!isOpenFlags(flags)) {
    const shown = typeof flags === "string" ? JSON.stringify(flags.slice(0, 16)) : typeof flags;
    throw new ExportError("EINVAL", { syscall, path, reason: `unknown open flags ${shown}` });
  }
  const wire = OPEN_FLAGS[flags];
  const { create, exclusive, truncate } = decodeOpenFlags(wire);
  return { flags: hostOpenFlags(wire & (O_ACCMODE | O.O_APPEND)), create, exclusive, truncate };
}
