// Block mode's disk: the image dom0 serves read-only to every guest as vbd/0. Given one
// (--block-image), it is checked; otherwise one is made from the export with mkfs.ext4 -d by
// infra/block-image.sh, anew on every start, so it shows the export as it is (docs/blkif.md).
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { OptionError } from "./errors.js";
import { REPO_ROOT } from "./service-entry.js";

const run = promisify(execFile);

export async function prepareBlockImage(
  exportDir: string,
  given: string | undefined,
  runDir: string,
  repoRoot: string = REPO_ROOT,
): Promise<string> {
  if (given !== undefined) {
    const image = resolve(given);
    const info = await stat(image).catch(() => undefined);
    if (!info?.isFile() || info.size === 0 || info.size % 512 !== 0)
      throw new OptionError(`--block-image ${given} is not a disk image (a file of whole 512-byte sectors)`);
    return image;
  }
  const image = join(runDir, "block.img");
  try {
    await run(join(repoRoot, "infra", "block-image.sh"), [exportDir, image]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new OptionError(`--mode block: could not make ${image}: ${stderr || (error as Error).message}`);
  }
  return image;
}
