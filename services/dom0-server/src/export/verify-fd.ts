import type { FileHandle } from "node:fs/promises";
import { readlink } from "node:fs/promises";
import { ExportError } from "./errors.js";
import { isInside } from "./resolve.js";

/**
 * Check where an opened descriptor really points. Resolution and open are two steps, and a path
 * component swapped for a symlink in between would redirect the open; Linux's /proc/self/fd/N names
 * the file the kernel actually opened, so checking it after the open closes that window for every
 * operation done through the descriptor. (Needs /proc, as dom0 runs on Linux.)
 */
export async function assertOpenedInside(
  root: string,
  handle: FileHandle,
  guestPath: string,
  syscall: string,
): Promise<void> {
  const opened = await readlink(`/proc/self/fd/${handle.fd}`);
  if (!isInside(root, opened)) {
    throw new ExportError("EXDEV", {
      syscall,
      path: guestPath,
      reason: "the opened file lies outside the export",
    });
  }
}
