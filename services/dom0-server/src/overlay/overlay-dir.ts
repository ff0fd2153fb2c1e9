// Where cow mode's upper directories live: XENFS_OVERLAY_DIR, or by default `overlays/` in the
// state directory. Never inside the export, or every guest would see every guest's changes.
import { realpath } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ConfigError } from "@xenfs/service-kit";
import { usable } from "../reply-cache/state-dir.js";

export async function resolveOverlayDir(
  exportDir: string,
  configured: string | undefined,
  stateDir: string,
): Promise<string> {
  const exportRoot = await realpath(exportDir);
  try {
    return await usable(configured ? resolve(configured) : join(stateDir, "overlays"), exportRoot);
  } catch (error) {
    throw new ConfigError([{ key: "XENFS_OVERLAY_DIR", reason: (error as Error).message }]);
  }
}
