// A directory for dom0 to export, made fresh for a test.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh directory to export, in a directory of its own that also takes dom0's state dir; `remove` deletes both. */
export async function tempExport(): Promise<{ path: string; remove(): Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), "xenfs-export-"));
  const path = join(base, "export");
  await mkdir(path);
  return { path, remove: () => rm(base, { recursive: true, force: true }) };
}
