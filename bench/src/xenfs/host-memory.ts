// Host memory in real terms, as the bench counts it: the proportional set size of every process
// of the host (hypervisor, dom0, readers; Pss splits shared pages among their mappers, so the sum
// counts each page once) plus the machine-memory file's resident bytes, which no Pss holds (it is
// read with pread/pwrite, mapped by nobody). The hypervisor names the file in /api/memory.
import { procMemory } from "@xenfs/service-kit";

export interface HostMemorySample {
  /** Sum of the processes' Pss. */
  readonly pssBytes: number;
  /** The memory file's resident bytes; 0 when the hypervisor has no memory file. */
  readonly fileBytes: number;
  readonly filePath: string | null;
  readonly totalBytes: number;
}

interface MemoryView {
  readonly host?: { readonly memoryFile: { readonly path: string; readonly residentBytes: number } | null };
}

export async function sampleHostMemory(memoryUrl: URL, pids: readonly number[]): Promise<HostMemorySample> {
  const view = (await (await fetch(memoryUrl)).json()) as MemoryView;
  let pssBytes = 0;
  for (const pid of pids) {
    const memory = procMemory(pid);
    if (!memory) throw new Error(`no /proc/${pid}/smaps_rollup: host memory is read on Linux only`);
    pssBytes += memory.pssBytes;
  }
  const file = view.host?.memoryFile ?? null;
  const fileBytes = file?.residentBytes ?? 0;
  return { pssBytes, fileBytes, filePath: file?.path ?? null, totalBytes: pssBytes + fileBytes };
}
