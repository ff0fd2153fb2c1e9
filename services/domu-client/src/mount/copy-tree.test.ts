// A real program's use of fs: a recursive copy written against fs/promises' API (any object
// with its readdir/readFile/readlink) copies the tree out of XenFS to local disk; the copy
// matches the export byte for byte, in shared and in copy mode.
import * as nodeFs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost, type TestHost } from "../../test/xenfs-host.js";
import { BUILT_MODES } from "../frontend/modes.js";

/** What the copy needs of an fs: node:fs/promises has it, and so does a XenFS mount. */
interface TreeSource {
  readdir(
    path: string,
    options: { withFileTypes: true },
  ): Promise<{ name: string; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }[]>;
  readFile(path: string): Promise<Uint8Array>;
  readlink(path: string): Promise<string>;
}

async function copyTree(source: TreeSource, from: string, to: string): Promise<number> {
  await nodeFs.mkdir(to, { recursive: true });
  let copied = 0;
  for (const entry of await source.readdir(from, { withFileTypes: true })) {
    const src = `${from}/${entry.name}`;
    const dst = join(to, entry.name);
    if (entry.isDirectory()) copied += await copyTree(source, src, dst);
    else if (entry.isSymbolicLink()) await nodeFs.symlink(await source.readlink(src), dst);
    else if (entry.isFile()) {
      await nodeFs.writeFile(dst, await source.readFile(src));
      copied += 1;
    }
  }
  return copied;
}

/** Every entry under `dir`: its kind and its bytes or link target. */
async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await nodeFs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const key = path.slice(dir.length + 1);
    if (entry.isSymbolicLink()) out[key] = `link ${await nodeFs.readlink(path)}`;
    else if (entry.isDirectory()) out[key] = "dir";
    else out[key] = `file ${(await nodeFs.readFile(path)).toString("base64")}`;
  }
  return out;
}

describe("a recursive copy written for fs/promises", () => {
  let host: TestHost;
  let scratch: string;

  beforeAll(async () => {
    host = await startTestHost();
    scratch = await nodeFs.mkdtemp(join(tmpdir(), "xenfs-copy-"));
  });
  afterAll(async () => {
    await host?.stop();
    if (scratch) await nodeFs.rm(scratch, { recursive: true, force: true });
  });

  it("copies a local tree with node:fs/promises (the routine itself is right)", async () => {
    const to = join(scratch, "local");
    await copyTree(nodeFs, host.exportDir, to);
    expect(await treeOf(to)).toEqual(await treeOf(host.exportDir));
  });

  it.each(BUILT_MODES)("copies the tree out of XenFS in %s mode, byte for byte", async (mode) => {
    const { fs } = await host.guest(`copier-${mode}`, mode);
    const to = join(scratch, mode);
    expect(await copyTree(fs, ".", to)).toBe(5);
    expect(await treeOf(to)).toEqual(await treeOf(host.exportDir));
  });
});
