// Host memory in real terms, as the bench counts it: the proportional set size of every process
// of the setup (hypervisor, dom0, readers; or the HTTP or NFS server and its readers; Pss splits shared pages among their mappers, so the sum
// counts each page once) plus the machine-memory file's resident bytes, which no Pss holds (it is
// read with pread/pwrite, mapped by nobody). The hypervisor names the file in /api/memory.
import { procMemory } from "@xenfs/service-kit";

/** Processes counted together under one name ("hypervisor", "dom0", "readers"). */
export interface ProcessGroup {
  readonly name: string;
  readonly pids: readonly number[];
}

export interface HostMemorySample {
  /** Pss of each group, by name. */
  readonly pssBytes: Readonly<Record<string, number>>;
  /** The memory file's resident bytes; 0 when the hypervisor has no memory file. */
  readonly fileBytes: number;
  readonly filePath: string | null;
  /** Every group's Pss + the memory file's resident bytes. */
  readonly totalBytes: number;
}

interface MemoryView {
  readonly host?: { readonly memoryFile: { readonly path: string; readonly residentBytes: number } | null };
}

/** `memoryUrl`: the hypervisor's /api/memory, absent for a host with no hypervisor (HTTP, NFS). */
export async function sampleHostMemory(
  memoryUrl: URL | undefined,
  groups: readonly ProcessGroup[],
): Promise<HostMemorySample> {
  const view = memoryUrl ? ((await (await fetch(memoryUrl)).json()) as MemoryView) : {};
  const pssBytes: Record<string, number> = {};
  let totalBytes = 0;
  for (const group of groups) {
    let sum = 0;
    for (const pid of group.pids) {
      const memory = procMemory(pid);
      if (!memory) throw new Error(`no /proc/${pid}/smaps_rollup: host memory is read on Linux only`);
      sum += memory.pssBytes;
    }
    pssBytes[group.name] = sum;
    totalBytes += sum;
  }
  const file = view.host?.memoryFile ?? null;
  const fileBytes = file?.residentBytes ?? 0;
  return { pssBytes, fileBytes, filePath: file?.path ?? null, totalBytes: totalBytes + fileBytes };
}

/** "+12.3 MiB (hypervisor +1.0, dom0 +4.2, readers +3.1, file +4.0)": where the growth went. */
export function describeGrowth(before: HostMemorySample, after: HostMemorySample): string {
  const mib = (bytes: number) => `${bytes >= 0 ? "+" : ""}${(bytes / (1024 * 1024)).toFixed(1)}`;
  const parts = Object.keys(after.pssBytes).map(
    (name) => `${name} ${mib((after.pssBytes[name] ?? 0) - (before.pssBytes[name] ?? 0))}`,
  );
  parts.push(`file ${mib(after.fileBytes - before.fileBytes)}`);
  return `${mib(after.totalBytes - before.totalBytes)} MiB (${parts.join(", ")})`;
}
