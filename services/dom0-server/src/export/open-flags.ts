import { constants } from "node:fs";
import { ExportError } from "./errors.js";

const { O_RDONLY, O_WRONLY, O_RDWR, O_APPEND } = constants;

/**
 * The open modes a guest may ask for, as Node's `fs.open` spells them, and the three Node has no
 * name for, which a guest's frontend sends to reopen a file after a reconnect (its flags less
 * O_CREAT, O_EXCL and O_TRUNC): write-only, and append with or without read, of an existing file.
 */
export type OpenFlags =
  | "r"
  | "r+"
  | "w"
  | "wx"
  | "w+"
  | "wx+"
  | "a"
  | "ax"
  | "a+"
  | "ax+"
  | "w-existing"
  | "a-existing"
  | "a+-existing";

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

function mode(flags: number, create: boolean, exclusive: boolean, truncate: boolean): OpenMode {
  return { flags, create, exclusive, truncate };
}

const MODES: Readonly<Record<OpenFlags, OpenMode>> = {
  r: mode(O_RDONLY, false, false, false),
  "r+": mode(O_RDWR, false, false, false),
  w: mode(O_WRONLY, true, false, true),
  wx: mode(O_WRONLY, true, true, false),
  "w+": mode(O_RDWR, true, false, true),
  "wx+": mode(O_RDWR, true, true, false),
  a: mode(O_WRONLY | O_APPEND, true, false, false),
  ax: mode(O_WRONLY | O_APPEND, true, true, false),
  "a+": mode(O_RDWR | O_APPEND, true, false, false),
  "ax+": mode(O_RDWR | O_APPEND, true, true, false),
  "w-existing": mode(O_WRONLY, false, false, false),
  "a-existing": mode(O_WRONLY | O_APPEND, false, false, false),
  "a+-existing": mode(O_RDWR | O_APPEND, false, false, false),
};

/** Create-only opens (`ExportFs.create`): read access suffices, an existing file is left as it is. */
export const CREATE_ONLY: OpenMode = mode(O_RDONLY, true, false, false);
export const CREATE_EXCLUSIVE: OpenMode = mode(O_RDONLY, true, true, false);

/** Decode a guest's flags string; anything but the modes above is EINVAL. */
export function parseOpenFlags(flags: unknown, syscall: string, path: string): OpenMode {
  if (typeof flags === "string" && Object.hasOwn(MODES, flags)) return MODES[flags as OpenFlags];
  const shown = typeof flags === "string" ? JSON.stringify(flags.slice(0, 16)) : typeof flags;
  throw new ExportError("EINVAL", { syscall, path, reason: `unknown open flags ${shown}` });
}
