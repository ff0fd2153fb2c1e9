// The host's memory in real terms: what the kernel says the processes cost (proportional set
// size, so shared pages count once across them) plus the machine-memory file's resident bytes,
// which no process's Pss holds (it is read with pread/pwrite, mapped by nobody).
//   host = hypervisor's own Pss + Pss reported by live domains + memory file resident.
import { type ProcMemory, procMemory } from "@xenfs/service-kit";
import type { Xen } from "../xen.js";

/** The machine-memory file, where frames live when they are in host shared memory. */
export interface MemoryFileProvider {
  readonly path: string;
  /** Bytes of the file really in memory (tmpfs blocks allocated). */
  residentBytes(): number;
}

export interface ProcessMemory {
  readonly rssBytes: number;
  readonly pssBytes: number;
}

export interface DomainMemory extends ProcessMemory {
  readonly domid: number;
  readonly name: string;
  /** How old the report is. */
  readonly ageMs: number;
}

export interface HostMemory {
  /** The memory file, or null while frames live in the hypervisor's own heap. */
  readonly memoryFile: { readonly path: string; readonly residentBytes: number } | null;
  /** The hypervisor process itself; null where /proc has no smaps_rollup. */
  readonly hypervisor: (ProcessMemory & { readonly pid: number }) | null;
  /** Live domains whose process has reported its memory. */
  readonly domains: readonly DomainMemory[];
  readonly reportedPssBytes: number;
  /** hypervisor Pss + reported Pss + memory file resident. */
  readonly totalBytes: number;
}

/** The hypervisor's own reading is shared this long by the scrapes that come together. */
const SELF_CACHE_MS = 250;

/** Reads the host's memory on demand; domain reports are always the latest kept. */
export function hostMemoryProbe(xen: Xen, file: MemoryFileProvider | undefined): () => HostMemory {
  let self: { at: number; value: ProcMemory | undefined } | undefined;
  return () => {
    const now = performance.now();
    if (!self || now - self.at >= SELF_CACHE_MS) self = { at: now, value: procMemory() };
    return readHostMemory(xen, file, self.value, now);
  };
}

function readHostMemory(
  xen: Xen,
  file: MemoryFileProvider | undefined,
  self: ProcMemory | undefined,
  now: number,
): HostMemory {
  const domains: DomainMemory[] = [];
  for (const d of xen.domains.all()) {
    const report = d.memoryReport;
    if (!d.live || !report) continue;
    const { rssBytes, pssBytes } = report;
    domains.push({ domid: d.domid, name: d.name, rssBytes, pssBytes, ageMs: Math.round(now - report.at) });
  }
  const reportedPssBytes = domains.reduce((sum, d) => sum + d.pssBytes, 0);
  const memoryFile = file ? { path: file.path, residentBytes: file.residentBytes() } : null;
  return {
    memoryFile,
    hypervisor: self ? { pid: self.pid, rssBytes: self.rssBytes, pssBytes: self.pssBytes } : null,
    domains,
    reportedPssBytes,
    totalBytes: (self?.pssBytes ?? 0) + reportedPssBytes + (memoryFile?.residentBytes ?? 0),
  };
}
