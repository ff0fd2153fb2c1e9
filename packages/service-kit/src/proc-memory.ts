// A process's real memory, as the kernel counts it: resident and proportional set size from
// /proc/PID/smaps_rollup. PSS splits each shared page among the processes that map it, so the
// sum of PSS over a host's processes is the memory they really cost together.
import { readFileSync, statSync } from "node:fs";

export interface ProcMemory {
  readonly pid: number;
  /** Resident set size, bytes. */
  readonly rssBytes: number;
  /** Proportional set size, bytes. */
  readonly pssBytes: number;
}

export class ProcMemoryError extends Error {
  readonly code = "EPROCMEM";
  constructor(
    readonly pid: number,
    reason: string,
  ) {
    super(`memory of pid ${pid}: ${reason}`);
    this.name = "ProcMemoryError";
  }
}

const KIB_FIELD = /^(Rss|Pss):\s+(\d+)\s+kB$/gm;

/** Parses smaps_rollup text; pure, for tests and for figures read elsewhere. */
export function parseSmapsRollup(pid: number, text: string): ProcMemory {
  const fields = new Map<string, number>();
  for (const match of text.matchAll(KIB_FIELD)) fields.set(match[1] ?? "", Number(match[2]) * 1024);
  const rssBytes = fields.get("Rss");
  const pssBytes = fields.get("Pss");
  if (rssBytes === undefined || pssBytes === undefined)
    throw new ProcMemoryError(pid, "no Rss/Pss in smaps_rollup");
  return { pid, rssBytes, pssBytes };
}

/** The memory of a live process; undefined where /proc has no smaps_rollup (not Linux, or gone). */
export function procMemory(pid: number = process.pid): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  } catch {
    return undefined;
  }
  return parseSmapsRollup(pid, text);
}

/**
 * Bytes a file really holds in memory when it lives on tmpfs (/dev/shm): its allocated blocks.
 * A sparse file's holes cost nothing; pages written once stay until the file is removed. Files read
 * with pread/pwrite are mapped by no process, so they appear in no PSS: count them separately.
 */
export function fileResidentBytes(path: string): number | undefined {
  try {
    return statSync(path).blocks * 512;
  } catch {
    return undefined;
  }
}
