// One XenFS host for a group of rows: the hypervisor and dom0 as processes of their own over a
// fresh export, guests in this process (each its own domain and session), torn down after.
import type { MountOptions, XenfsMount } from "@xenfs/domu-client";
import { mount } from "@xenfs/domu-client";
import { XenDomain } from "@xenfs/libxen";
import { CLUSTER_TOKEN } from "@xenfs/testkit";
import { startXenfsHost, type XenfsHost } from "@xenfs/testkit-xenfs";
import { type HostSample, MiB, sampleHost } from "./host-memory.js";

export interface BenchGuest {
  readonly domain: XenDomain;
  readonly fs: XenfsMount;
}

export interface SharingHost {
  readonly xenfs: XenfsHost;
  guest(name: string, options: MountOptions): Promise<BenchGuest>;
  /** Frames in use and host memory: hypervisor, dom0 and this process (the guests), and the memory file. */
  sample(): Promise<HostSample>;
}

export async function withHost<T>(
  options: { files: Record<string, Uint8Array>; memoryMb: number; cacheMb: number },
  fn: (host: SharingHost) => Promise<T>,
): Promise<T> {
  const xenfs = await startXenfsHost({ ...options, transport: "shm", dom0ReadyMs: 120_000 });
  const guests: BenchGuest[] = [];
  try {
    return await fn({
      xenfs,
      async guest(name, mountOptions) {
        const domain = await XenDomain.join({
          url: xenfs.hv.url,
          token: CLUSTER_TOKEN,
          name,
          memoryTransport: "shm",
        });
        const fs = await mount(domain, {
          connectTimeoutMs: 60_000,
          requestTimeoutMs: 60_000,
          ...mountOptions,
        });
        const guest = { domain, fs };
        guests.push(guest);
        return guest;
      },
      sample: () => sampleHost(xenfs.hv.httpUrl, [xenfs.hv.process.pid, xenfs.dom0.pid, process.pid]),
    });
  } finally {
    for (const { domain, fs } of guests) {
      await fs.unmount().catch(() => {});
      await domain.close().catch(() => {});
    }
    await xenfs.stop();
  }
}

/** Bytes that differ page by page, so no page of one file equals another's. */
export function fileBytes(mb: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(mb * MiB);
  const view = new DataView(bytes.buffer);
  for (let at = 0; at < bytes.length; at += 8) view.setUint32(at, (at * 2654435761 + seed) >>> 0, true);
  return bytes;
}
