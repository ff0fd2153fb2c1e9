// Where dom0 keeps state that must outlive its process (the reply cache's journal): XENFS_STATE_DIR,
// or by default beside the export (`<parent>/.<name>.xenfs-state`), or, when the export's parent is
// not writable (a volume mounted at /export), under the system's temporary directory. Never inside
// the export: guests would see it, and could change it.
import { createHash } from "node:crypto";
import { mkdir, realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { ConfigError } from "@xenfs/service-kit";

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** `dir`, made if missing, as a realpath; refused inside the export. */
export async function usable(dir: string, exportRoot: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const real = await realpath(dir);
  if (inside(exportRoot, real)) throw new Error(`${real} is inside the export ${exportRoot}`);
  return real;
}

export async function resolveStateDir(exportDir: string, configured: string | undefined): Promise<string> {
  const exportRoot = await realpath(exportDir);
  if (configured !== undefined && configured !== "") {
    try {
      return await usable(resolve(configured), exportRoot);
    } catch (error) {
      throw new ConfigError([{ key: "XENFS_STATE_DIR", reason: (error as Error).message }]);
    }
  }
  const beside = join(dirname(exportRoot), `.${basename(exportRoot) || "root"}.xenfs-state`);
  try {
    return await usable(beside, exportRoot);
  } catch {
    const tag = createHash("sha256").update(exportRoot).digest("hex").slice(0, 16);
    return usable(join(tmpdir(), `xenfs-state-${tag}`), exportRoot);
  }
}
