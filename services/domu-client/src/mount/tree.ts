// The recursive forms of mkdir and rm, as Node does them: one request per directory level or
// entry, so a tree is made or removed with the same checks as single operations.
import { FsError } from "@xenfs/fsproto";
import type { XenfsMount } from "./mount.js";
import { joinPath } from "./paths.js";

/** mkdir -p: returns the first directory it made, or undefined when all existed. */
export async function mkdirRecursive(
  mount: XenfsMount,
  path: string,
  mode: number,
): Promise<string | undefined> {
  if (path === ".") return undefined;
  let first: string | undefined;
  let prefix = ".";
  for (const part of path.split("/")) {
    prefix = joinPath(prefix, part);
    try {
      await mount.mkdir(prefix, { mode });
      first ??= prefix;
    } catch (error) {
      if (!(error instanceof FsError && error.code === "EEXIST")) throw error;
      if (!(await mount.stat(prefix)).isDirectory()) throw new FsError("ENOTDIR", { syscall: "mkdir", path });
    }
  }
  return first;
}

/** rm: a file or link is unlinked; a directory needs `recursive`; `force` ignores a missing path. */
export async function rmTree(
  mount: XenfsMount,
  path: string,
  options: { recursive?: boolean; force?: boolean },
): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await mount.lstat(path)).isDirectory();
  } catch (error) {
    if (options.force && error instanceof FsError && error.code === "ENOENT") return;
    throw error;
  }
  if (!isDirectory) return mount.unlink(path);
  if (!options.recursive) throw new FsError("EISDIR", { syscall: "rm", path });
  for (const name of await mount.readdir(path)) await rmTree(mount, joinPath(path, name), options);
  await mount.rmdir(path);
}
