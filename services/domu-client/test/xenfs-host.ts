// A whole host in this process for the mount's tests: a real hypervisor with XenStore, a real
// dom0 exporting a directory on disk, and guests that mount it.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Dom0Server, startDom0Server } from "@xenfs/dom0-server";
import type { Hypervisor } from "@xenfs/hypervisor";
import type { XenDomain } from "@xenfs/libxen";
import { DOM0_TOKEN, joinGuest, startTestHypervisor } from "@xenfs/testkit";
import type { XenfsMode } from "../src/frontend/modes.js";
import type { XenfsMount } from "../src/mount/mount.js";
import { type MountOptions, mount } from "../src/xenfs.js";

/** Room for page caches, and a short lease so a killed dom0 makes way for the next quickly. */
export const TEST_HYPERVISOR_OPTIONS = { memoryMb: 64, sessionLeaseMs: 500 } as const;

/** Bytes that differ at every offset, so a misplaced page shows. */
export function pattern(length: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 12)) & 0xff;
  return bytes;
}

/** The sample export: small and multi-page files, nesting, an empty dir, links in and out. */
export async function sampleExport(root: string): Promise<void> {
  await mkdir(join(root, "docs/deep/er"), { recursive: true });
  await mkdir(join(root, "empty"));
  await writeFile(join(root, "hello.txt"), "hello, xenfs\n");
  await writeFile(join(root, "docs/readme.md"), "# XenFS\n");
  await writeFile(join(root, "docs/deep/big.bin"), pattern(5 * 4096 + 123));
  await writeFile(join(root, "docs/deep/er/zero.bin"), "");
  await writeFile(join(root, "docs/deep/er/page.bin"), pattern(4096, 3));
  await symlink("readme.md", join(root, "docs/link-in"));
  await symlink("/etc", join(root, "link-out"));
}

export interface TestHost {
  readonly hv: Hypervisor;
  /** The dom0 running now (a restart replaces it). */
  readonly dom0: Dom0Server;
  stopDom0(): Promise<void>;
  startDom0(): Promise<void>;
  readonly exportDir: string;
  guest(
    name: string,
    mode: XenfsMode,
    options?: MountOptions,
  ): Promise<{ domain: XenDomain; fs: XenfsMount }>;
  stop(): Promise<void>;
}

export async function startTestHost(options: { cacheMb?: number } = {}): Promise<TestHost> {
  // The export in a directory of its own, where dom0 also keeps its state dir (beside the export).
  const base = await mkdtemp(join(tmpdir(), "xenfs-export-"));
  const exportDir = join(base, "export");
  await mkdir(exportDir);
  await sampleExport(exportDir);
  const hv = await startTestHypervisor(TEST_HYPERVISOR_OPTIONS);
  const startDom0 = () =>
    startDom0Server({
      hypervisorUrl: hv.url,
      dom0Token: DOM0_TOKEN,
      exportDir,
      port: 0,
      cacheMb: options.cacheMb ?? 8,
    });
  let dom0: Dom0Server | undefined = await startDom0();
  const guests: { domain: XenDomain; fs: XenfsMount }[] = [];
  return {
    hv,
    get dom0() {
      if (!dom0) throw new Error("dom0 is stopped");
      return dom0;
    },
    async stopDom0() {
      await dom0?.close();
      dom0 = undefined;
    },
    async startDom0() {
      dom0 ??= await startDom0();
    },
    exportDir,
    async guest(name, mode, mountOptions = {}) {
      const domain = await joinGuest(hv, name);
      const fs = await mount(domain, {
        mode,
        connectTimeoutMs: 10_000,
        requestTimeoutMs: 10_000,
        ...mountOptions,
      });
      const guest = { domain, fs };
      guests.push(guest);
      return guest;
    },
    async stop() {
      for (const { domain, fs } of guests) {
        await fs.unmount().catch(() => {});
        await domain.close();
      }
      await dom0?.close();
      await hv.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}
