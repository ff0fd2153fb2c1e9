// Host memory in real terms (docs/benchmarks.md): the proportional set size of every process of
// the host from /proc/PID/smaps_rollup (Pss splits shared pages among their mappers, so the sum
// counts each page once) plus the machine-memory file's resident bytes, which no Pss holds.
import { procMemory } from "@xenfs/service-kit";

export interface HostMemory {
  readonly pssBytes: number;
  readonly fileBytes: number;
  readonly totalBytes: number;
}

interface MemoryView {
  readonly frames: { readonly used: number };
  readonly host?: { readonly memoryFile: { readonly residentBytes: number } | null };
}

/** Frames in use and host memory, read together. */
export interface HostSample {
  readonly frames: number;
  readonly memory: HostMemory;
}

export async function sampleHost(
  httpUrl: string,
  pids: readonly (number | undefined)[],
): Promise<HostSample> {
  const view = (await (await fetch(`${httpUrl}/api/memory`)).json()) as MemoryView;
  let pssBytes = 0;
  for (const pid of pids) {
    if (pid === undefined) continue;
    const memory = procMemory(pid);
    if (!memory) throw new Error(`no /proc/${pid}/smaps_rollup: host memory is read on Linux only`);
    pssBytes += memory.pssBytes;
  }
  const fileBytes = view.host?.memoryFile?.residentBytes ?? 0;
  return { frames: view.frames.used, memory: { pssBytes, fileBytes, totalBytes: pssBytes + fileBytes } };
}

export const MiB = 1024 * 1024;
