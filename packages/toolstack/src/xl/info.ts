// `xl info`: the host's memory as xl prints it (`key<padding>: value`, memory in whole MiB),
// with this emulation's frame counts, the figure it is about.
import type { MemoryRecord } from "./api.js";
import { memMiB } from "./list.js";

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
  };
}

export function infoLines(memory: MemoryRecord): string[] {
  return Object.entries(infoRecord(memory)).map(([key, value]) => `${key.padEnd(23)}: ${value}`);
}
