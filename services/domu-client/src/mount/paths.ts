// Guest paths as the export names them. The export's own rules (no `..`, no absolute path, no
// symlink out) are dom0's to enforce; here only what cannot travel is refused.
import { FsError, PATH_MAX } from "@xenfs/fsproto";

/** A relative path with empty and `.` components dropped; "." is the export's root. */
export function exportPath(path: string, syscall: string): string {
  if (typeof path !== "string") throw new TypeError(`path must be a string, got ${typeof path}`);
  if (path.includes("\0")) throw new FsError("EINVAL", { syscall, path });
  // Absolute paths go as they are, for dom0 to refuse.
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  const normal = path.startsWith("/") ? path : parts.length === 0 ? "." : parts.join("/");
  if (Buffer.byteLength(normal) > PATH_MAX) throw new FsError("ENAMETOOLONG", { syscall, path });
  return normal;
}

export function joinPath(dir: string, name: string): string {
  return dir === "." || dir === "" ? name : `${dir}/${name}`;
}

/** The parent of a normalised relative path ("." for a top-level name). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : path.slice(0, slash);
}
