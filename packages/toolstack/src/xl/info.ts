// `xl info`: the host's memory as xl prints it (`key<padding>: value`, memory in whole MiB),
// with this emulation's frame counts, the figure it is about, and the host's memory in real
// terms: the processes' Pss and the memory file's resident bytes ("n/a" where unknown).
import type { MemoryRecord } from "./api.js";
import { bytesMiB, memMiB } from "./list.js";

export function infoRecord(memory: MemoryRecord) {
  const { total, used, shared, free } = memory.frames;
  return {
    total_memory: memMiB(total),
    free_memory: memMiB(free),
    xen_pagesize: 4096,
    total_frames: total,
    used_frames: used,
    shared_frames: shared,
    free_frames: free,
    nr_domains: memory.domains.length,
    ...copyToWrite(memory),
    ...hostMemory(memory),
  };
}

/**
 * docs/design.md#copy-to-write: private copies and faults; identical-page sharing under Xen's
 * keys (sharing_freed_memory: saved, sharing_used_memory: the shared frames) in MiB and frames.
 */
function copyToWrite({ frames }: MemoryRecord) {
  const freed = frames.memSharingSaved ?? 0;
  const used = frames.memShared ?? 0;
  return {
    private_copy_frames: frames.privateCopies ?? 0,
    copy_to_write_faults: frames.copyToWriteFaults ?? 0,
    sharing_freed_memory: memMiB(freed),
    sharing_used_memory: memMiB(used),
    sharing_freed_frames: freed,
    sharing_used_frames: used,
  };
}

function hostMemory({ host }: MemoryRecord) {
  const mib = (bytes: number | undefined) => (bytes === undefined ? "n/a" : bytesMiB(bytes));
  return {
    host_memory: mib(host?.totalBytes),
    hypervisor_rss: mib(host?.hypervisor?.rssBytes),
    hypervisor_pss: mib(host?.hypervisor?.pssBytes),
    domains_pss: mib(host?.reportedPssBytes),
    memory_file: host?.memoryFile?.path ?? "n/a",
    memory_file_resident: mib(host?.memoryFile?.residentBytes),
  };
}

export function infoLines(memory: MemoryRecord): string[] {
  return Object.entries(infoRecord(memory)).map(([key, value]) => `${key.padEnd(23)}: ${value}`);
}
