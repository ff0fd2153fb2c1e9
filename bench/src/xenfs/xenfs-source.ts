// A guest's XenFS mount as a FileSource: files opened with the guest API (fs/promises-shaped)
// and read with FileHandle.read, as a program written for `fs` would.
import { mount, type XenfsFileHandle, type XenfsMount } from "@xenfs/domu-client";
import { type MemoryTransport, XenDomain } from "@xenfs/libxen";
import type { FileSource } from "./file-source.js";

export interface XenfsSourceOptions {
  readonly hypervisorUrl: string;
  readonly clusterToken: string;
  readonly name: string;
  readonly mode: "shared" | "copy";
  readonly maxPagesHeld: number;
  readonly transport: MemoryTransport;
}

export async function xenfsSource(options: XenfsSourceOptions): Promise<FileSource & { domid: number }> {
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
  // Random reads keep their file open, as a program doing many reads would.
  const handles = new Map<string, Promise<XenfsFileHandle>>();
  const handleOf = (path: string) => {
    let handle = handles.get(path);
    if (!handle) {
      handle = fs.open(path);
      handles.set(path, handle);
    }
    return handle;
  };
  return {
    domid: domain.domid,
    async readAt(path, target, position) {
      const handle = await handleOf(path);
      return (await handle.read(target, 0, target.length, position)).bytesRead;
    },
    async readSequential(path, chunkBytes, seen) {
      const handle = await fs.open(path);
      const buffer = Buffer.alloc(chunkBytes);
      let position = 0;
      try {
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, chunkBytes, position);
          if (bytesRead === 0) return position;
          seen(buffer.subarray(0, bytesRead), position);
          position += bytesRead;
        }
      } finally {
        await handle.close();
      }
    },
    async close() {
      for (const handle of handles.values()) await (await handle).close();
      await fs.unmount();
      await domain.close();
    },
  };
}
