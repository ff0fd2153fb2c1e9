// `xl list`: xl's own layout (xl_info.c list_domains), one line a domain.
import type { DomainRecord } from "./api.js";

const FRAMES_PER_MIB = (1024 * 1024) / 4096;

export const LIST_HEADER = "Name                                        ID   Mem VCPUs\tState\tTime(s)";

/**
 * xl's six state letters r b p s c d (running, blocked, paused, shutdown, crashed, dying); a
 * zombie is a dying domain that others' mappings keep. Guests here are always runnable (r).
 */
export function stateFlags(state: string): string {
  switch (state) {
    case "running":
      return "r-----";
    case "paused":
      return "--p---";
    default:
      return "-----d";
  }
}

/** Mem in whole MiB, as xl rounds current_memkb down. */
export const memMiB = (frames: number) => Math.floor(frames / FRAMES_PER_MIB);

/** Bytes in whole MiB, rounded down as xl does memory. */
export const bytesMiB = (bytes: number) => Math.floor(bytes / (1024 * 1024));

/** `xl list --memory` adds the domain process's own Rss and Pss, MiB ("n/a" until it reports). */
export const MEMORY_HEADER = "   Rss   Pss";

export function memoryColumns(d: DomainRecord): string {
  const mib = (bytes: number | null | undefined) =>
    (bytes === null || bytes === undefined ? "n/a" : String(bytesMiB(bytes))).padStart(5);
  return ` ${mib(d.rssBytes)} ${mib(d.pssBytes)}`;
}

/** After xl's columns: the host the domain runs on (docs/migration.md#hosts), as its hypervisor names itself. */
export const HOST_HEADER = "  Host";

export const hostColumn = (d: DomainRecord) => `  ${d.host || "-"}`;

/** CPU seconds the domain process reported (user + system); 0 until it reports, as xl shows. */
export const cpuTime = (d: DomainRecord) => d.cpuSeconds ?? 0;

/**
 * One domain: `%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f`. A domain is one process with one
 * thread running its code, so one VCPU; Time(s) is that process's CPU time.
 */
export function listLine(d: DomainRecord): string {
  const num = (n: number) => String(n).padStart(5);
  return `${d.name.padEnd(40)} ${num(d.domid)} ${num(memMiB(d.frames))} ${num(1)}     ${stateFlags(d.state)}  ${cpuTime(d).toFixed(1).padStart(8)}`;
}

export function listJson(d: DomainRecord) {
  return { ...d, mem: memMiB(d.frames), vcpus: 1, flags: stateFlags(d.state), time: cpuTime(d) };
}
