import { ExportError } from "./errors.js";
import { NAME_MAX, PATH_MAX } from "./guest-path.js";

/**
 * Refuse a new symlink whose target would lead out of the export: an absolute target, or a
 * relative one whose ".." climb above the root when read from the link's directory (`linkDepth`
 * components below the root). This is a
 * lexical check and only the first line: a target can pass through other symlinks the kernel would
 * follow, so following a link is confined again at resolution time (resolve.ts), which is the
 * guarantee.
 */
export function checkSymlinkTarget(
  target: unknown,
  linkDepth: number,
  syscall: string,
  linkPath: string,
): string {
  const refuse = (code: "EINVAL" | "ENOENT" | "ENAMETOOLONG" | "EXDEV", reason: string) =>
    new ExportError(code, { syscall, path: linkPath, reason });
  if (typeof target !== "string") throw refuse("EINVAL", "symlink target is not a string");
  if (target === "") throw refuse("ENOENT", "symlink target is empty");
  if (target.includes("\0")) throw refuse("EINVAL", "symlink target contains a NUL byte");
  if (Buffer.byteLength(target) > PATH_MAX) {
    throw refuse("ENAMETOOLONG", `symlink target is longer than ${PATH_MAX} bytes`);
  }
  if (target.startsWith("/")) throw refuse("EXDEV", "an absolute symlink target is outside the export");

  let depth = linkDepth;
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (Buffer.byteLength(part) > NAME_MAX) {
      throw refuse("ENAMETOOLONG", `a target component is longer than ${NAME_MAX} bytes`);
    }
    depth += part === ".." ? -1 : 1;
    if (depth < 0) throw refuse("EXDEV", "symlink target climbs out of the export");
  }
  return target;
}
