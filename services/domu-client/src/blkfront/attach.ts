// Attaching the guest's vbd: the xenbus frontend for `vbd/<devid>` with a BlkfrontDriver, resolved
// once connected, or rejected with the reason the backend gave (a writable image already in use,
// say), after which the frontend closes rather than ask again.
import type { XenDomain } from "@xenfs/libxen";
import { VBD_DEVICE } from "@xenfs/proto";
import { frontendDir, XenbusFrontend, XenbusKey, XenbusState } from "@xenfs/xenbus";
import { BlkfrontDriver, type BlkfrontOptions } from "./blkfront.js";

export interface AttachedVbd {
  readonly disk: BlkfrontDriver;
  readonly frontend: XenbusFrontend;
  close(): Promise<void>;
}

export interface AttachOptions extends BlkfrontOptions {
  readonly devid?: number;
  /** Aborted: stop waiting for the backend (the attach rejects ESHUTDOWN and closes the device). */
  readonly signal?: AbortSignal;
}

export async function attachVbd(domain: XenDomain, options: AttachOptions = {}): Promise<AttachedVbd> {
  const disk = new BlkfrontDriver(domain, options);
  const id = { type: VBD_DEVICE, devid: options.devid ?? 0 };
  // A device this domain closed before (an earlier mount) is probed again: Closed → Initialising,
  // which brings the backend back to InitWait (xenbus_switch_state at probe).
  const statePath = `${frontendDir(domain.domid, id)}/${XenbusKey.state}`;
  const state = await domain.xs.read(statePath).catch(() => undefined);
  if (state === String(XenbusState.Closed))
    await domain.xs.write(statePath, String(XenbusState.Initialising));
  const frontend = new XenbusFrontend(domain, id, disk);
  await frontend.start();
  const abort = () => disk.close();
  options.signal?.addEventListener("abort", abort);
  try {
    if (options.signal?.aborted) disk.close();
    await disk.ready();
  } catch (error) {
    disk.close();
    await frontend.close();
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", abort);
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
