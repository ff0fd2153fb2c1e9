import { XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX } from "@xenfs/proto";
import { XsError } from "./errors.js";

// xenstored's valid_chars(): alphanumerics and -/_@.
const PATH_CHARS = /^[A-Za-z0-9\-/_@]+$/;

export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

export interface ResolvedPath {
  /** Absolute path, or the special name itself (`@introduceDomain`). */
  readonly path: string;
  /** The caller gave it relative to its domain path. */
  readonly relative: boolean;
}

/** xenstored's canonicalize(): validate, then resolve relative names under /local/domain/<domid>. */
export function resolvePath(name: string, domid: number, allowSpecial: boolean): ResolvedPath {
  if (!PATH_CHARS.test(name)) throw invalid(name, "empty or has characters outside [A-Za-z0-9-/_@]");
  const special = name.startsWith("@");
  if (special && !allowSpecial) throw invalid(name, "special paths are only for watches and permissions");
  const relative = !special && !name.startsWith("/");
  if (relative && name.length > XENSTORE_REL_PATH_MAX) throw invalid(name, "relative path too long");
  const path = relative ? `${domainPath(domid)}/${name}` : name;
  if (path.length > 1 && path.endsWith("/")) throw invalid(name, "trailing /");
  if (path.includes("//")) throw invalid(name, "doubled /");
  if (path.length > XENSTORE_ABS_PATH_MAX) throw invalid(name, "path too long");
  return { path, relative };
}

export function isSpecialPath(path: string): boolean {
  return path.startsWith("@");
}

/** The parent of an absolute path; undefined for "/". */
export function parentPath(path: string): string | undefined {
  if (path === "/") return undefined;
  const cut = path.lastIndexOf("/");
  return cut === 0 ? "/" : path.slice(0, cut);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Path components below the root: "/a/b" → ["a", "b"], "/" → []. */
export function pathSegments(path: string): string[] {
  return path === "/" ? [] : path.slice(1).split("/");
}

/** xenstored's is_child(): `path` equals `ancestor` or lies below it. */
export function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === "/") return path.startsWith("/");
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function invalid(name: string, why: string): XsError {
  return new XsError("EINVAL", `invalid path ${JSON.stringify(name.slice(0, 80))}: ${why}`);
}
