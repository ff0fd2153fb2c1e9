// A guest's block-mode mount as a FileSource: the vbd dom0 serves (an ext4 image of the export,
// made with mkfs.ext4 -d), attached through blkfront and mounted with libext2fs. The image is
// read-only, shared by every guest, so writes and metadata changes are EROFS; the bench does not
// ask for them. ext2fs has no fsync to call.
import { mountBlock } from "@xenfs/domu-client";
import { type MemoryTransport, XenDomain } from "@xenfs/libxen";
import type { FileSource } from "./file-source.js";
import { mountSource } from "./mount-source.js";

export interface BlockSourceOptions {
  readonly hypervisorUrl: string;
  readonly clusterToken: string;
  readonly name: string;
  readonly transport: MemoryTransport;
}

/** ext2fs paths are absolute. */
const abs = (path: string) => (path.startsWith("/") ? path : `/${path}`);

export async function blockSource(options: BlockSourceOptions): Promise<FileSource> {
  const domain = await XenDomain.join({
    url: options.hypervisorUrl,
    token: options.clusterToken,
    name: options.name,
    memoryTransport: options.transport,
  });
  const fs = await mountBlock(domain);
  return mountSource({
    open: (path, flags) => fs.open(abs(path), flags ?? "r"),
    readdir: (path) => fs.readdir(abs(path), { withFileTypes: true }),
    stat: (path) => fs.stat(abs(path)),
    readFile: async (path) => (await fs.readFile(abs(path))) as Buffer,
    writeFile: (path, data) => fs.writeFile(abs(path), data),
    unlink: (path) => fs.unlink(abs(path)),
    async close() {
      await fs.unmount();
      await domain.close();
    },
  });
}
