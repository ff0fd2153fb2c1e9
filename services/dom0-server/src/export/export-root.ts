import { realpathSync, statSync } from "node:fs";
import { ExportError, toExportError } from "./errors.js";

/**
 * The export's root as a symlink-free absolute path, checked to be an existing directory. Done
 * once, at start: every confinement check compares against this exact string.
 */
export function exportRoot(root: string): string {
  let real: string;
  try {
    real = realpathSync(root);
  } catch (err) {
    throw toExportError(err, "export", root);
  }
  if (!statSync(real).isDirectory()) {
    throw new ExportError("ENOTDIR", {
      syscall: "export",
      path: root,
      reason: "the export must be a directory",
    });
  }
  return real;
}
