import { ExportError } from "./errors.js";

/** Linux NAME_MAX: the longest single path component, in bytes. */
export const NAME_MAX = 255;
/** Linux PATH_MAX less its terminating NUL: the longest path, in bytes. */
export const PATH_MAX = 4095;

/**
 * Split a guest path ("" or "." is the export's root, "a/b/c" below it) into its components,
 * refusing whatever could name a place outside the export. Pure: a refused path never reaches the
 * disk. Empty and "." components (from "//", "./") are dropped; ".." is refused outright rather than
 * resolved, so no lexical trick can climb, whatever symlinks lie along the way.
 */
export function parseGuestPath(guestPath: unknown, syscall: string): string[] {
  if (typeof guestPath !== "string") {
    throw new ExportError("EINVAL", { syscall, path: String(guestPath), reason: "path is not a string" });
  }
  const refuse = (code: "EINVAL" | "EACCES" | "ENAMETOOLONG", reason: string) =>
    new ExportError(code, { syscall, path: guestPath, reason });

  if (guestPath.includes("\0")) throw refuse("EINVAL", "path contains a NUL byte");
  if (Buffer.byteLength(guestPath) > PATH_MAX) {
    throw refuse("ENAMETOOLONG", `path is longer than ${PATH_MAX} bytes`);
  }
  if (guestPath.startsWith("/")) throw refuse("EACCES", "absolute paths are outside the export");

  const components: string[] = [];
  for (const part of guestPath.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") throw refuse("EACCES", "'..' would leave the export");
    if (Buffer.byteLength(part) > NAME_MAX) {
      throw refuse("ENAMETOOLONG", `a component is longer than ${NAME_MAX} bytes`);
    }
    components.push(part);
  }
  return components;
}
