// A guest's XenFS mount (shared, copy or cow mode) as a FileSource.
import { mount, type XenfsFileHandle, type XenfsMount } from "@xenfs/domu-client";
import { type MemoryTransport, XenDomain } from "@xenfs/libxen";
import type { FileSource } from "./file-source.js";
import { type MountLike, mountSource } from "./mount-source.js";
import type { XenfsMode } from "./transport.js";

export interface XenfsSourceOptions {
  readonly hypervisorUrl: string;
  readonly clusterToken: string;
  readonly name: string;
  readonly mode: XenfsMode;
  readonly maxPagesHeld: number;
  readonly transport: MemoryTransport;
}

export async function xenfsSource(options: XenfsSourceOptions): Promise<FileSource> {
  const domain = await XenDomain.join({
    url: options.hypervisorUrl,
    token: options.clusterToken,
    name: options.name,
    memoryTransport: options.transport,
  });
  // A benchmark measures slow operations rather than failing them: a long request deadline.
  const fs: XenfsMount = await mount(domain, {
    mode: options.mode,
    maxPagesHeld: options.maxPagesHeld,
    requestTimeoutMs: 300_000,
  });
  const like: MountLike = {
    open: (path, flags) => fs.open(path, (flags ?? "r") as "r"),
    sync: (handle) => (handle as XenfsFileHandle).sync(),
    readdir: (path) => fs.readdir(path, { withFileTypes: true }),
    stat: (path) => fs.stat(path),
    readFile: (path) => fs.readFile(path),
    writeFile: (path, data) => fs.writeFile(path, data),
    unlink: (path) => fs.unlink(path),
    async close() {
      await fs.unmount();
      await domain.close();
    },
  };
  return mountSource(like);
}
