// dom0's page cache over a real hypervisor: the pieces a page-cache test needs.
import type { XenDomain } from "@xenfs/libxen";
import { GrantReaper } from "../src/grants/grant-reaper.js";
import { InodeLocks, PageCache, type PageReader } from "../src/page-cache/index.js";

export const PAGE = 4096;

export async function dom0Cache(dom0: XenDomain, budgetFrames: number, deadlineMs = 200) {
  if (dom0.grants.nrEntries === 0) await dom0.grants.setup(4);
  const reaper = new GrantReaper(dom0.grants, deadlineMs);
  return new PageCache(dom0.memory, dom0.grants, reaper, new InodeLocks(), budgetFrames);
}

/** A file of `size` bytes whose page i is filled with the byte i + 1; counts the disk reads. */
export function fakeDisk(size: number): { read: PageReader; reads: number[] } {
  const reads: number[] = [];
  return {
    reads,
    read: async (position, length) => {
      reads.push(position / PAGE);
      const bytes = new Uint8Array(Math.max(0, Math.min(length, size - position)));
      bytes.fill(position / PAGE + 1);
      return bytes;
    },
  };
}
