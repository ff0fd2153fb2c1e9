// Attaching the guest's vbd: the xenbus frontend for `vbd/<devid>` with a BlkfrontDriver, resolved
// once connected, or rejected with the reason the backend gave (a writable image already in use,
// say), after which the frontend closes rather than ask again.
import type { XenDomain } from "@xenfs/libxen";
import { XenbusFrontend } from "@xenfs/xenbus";
import { BlkfrontDriver, type BlkfrontOptions } from "./blkfront.js";
import { VBD_DEVICE } from "./ring-types.js";

export interface AttachedVbd {
  readonly disk: BlkfrontDriver;
  readonly frontend: XenbusFrontend;
  close(): Promise<void>;
}

export async function attachVbd(
  domain: XenDomain,
  options: BlkfrontOptions & { devid?: number } = {},
): Promise<AttachedVbd> {
  const disk = new BlkfrontDriver(domain, options);
  const frontend = new XenbusFrontend(domain, { type: VBD_DEVICE, devid: options.devid ?? 0 }, disk);
  await frontend.start();
  try {
    await disk.ready();
  } catch (error) {
    disk.close();
    await frontend.close();
    throw error;
  }
  return {
    disk,
    frontend,
    async close() {
      disk.close();
      await frontend.close();
    },
  };
}
