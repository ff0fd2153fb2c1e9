import { constants } from "node:fs";
import { open } from "node:fs/promises";

/**
 * fsync a directory, so that a name created, removed or renamed in it survives a crash: file data
 * is made durable with fdatasync, but the entry that names the file lives in its directory.
 */
export async function syncDir(hostDir: string): Promise<void> {
  const dir = await open(hostDir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
