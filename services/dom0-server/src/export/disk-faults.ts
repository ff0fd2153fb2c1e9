import { type FileHandle, open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { type DiskFaultRule, type DiskFaultSpec, parseDiskFaults, pathMatches } from "./disk-fault-spec.js";
import { type DiskIo, REAL_DISK } from "./disk-io.js";
import { ExportError } from "./errors.js";
import { readAt, writeAllAt } from "./file-io.js";

/** What the layer has injected since its rules were last set (GET /api/faults/disk). */
export interface DiskFaultsView {
  readonly spec: string;
  readonly seed: number;
  readonly bytesWritten: number;
  readonly injected: Readonly<
    Record<"eio_read" | "eio_write" | "enospc" | "slow_fsync" | "torn_write", number>
  >;
}

/** mulberry32: a small seeded generator, so a run's faults repeat from its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Disk faults under dom0's export: a DiskIo over the real disk that fails some operations as a
 * failing disk would (docs/faults.md#disk-faults-in-dom0). Nothing is mocked: every byte that is
 * acknowledged went through the real pwrite and fdatasync. A write failed with EIO leaves the file
 * as it was (the disk kept the old bytes), so no later read, cached or not, sees the bytes.
 */
export class DiskFaults implements DiskIo {
  #text = "";
  #spec: DiskFaultSpec = { rules: [], seed: 1 };
  #random = seeded(1);
  #bytesWritten = 0;
  #matches = new Map<DiskFaultRule, number>();
  #injected = { eio_read: 0, eio_write: 0, enospc: 0, slow_fsync: 0, torn_write: 0 };

  /** `die` ends the process for a torn write (SIGKILL: no handler, no flush, as a power cut). */
  constructor(
    spec = "",
    private readonly disk: DiskIo = REAL_DISK,
    private readonly die: () => void = () => process.kill(process.pid, "SIGKILL"),
  ) {
    this.set(spec);
  }

  /** Replace every rule (throws DiskFaultSpecError, keeping the old ones, on a bad spec); "" clears. */
  set(text: string): void {
    const spec = parseDiskFaults(text);
    this.#text = text;
    this.#spec = spec;
    this.#random = seeded(spec.seed);
    this.#bytesWritten = 0;
    this.#matches = new Map();
    this.#injected = { eio_read: 0, eio_write: 0, enospc: 0, slow_fsync: 0, torn_write: 0 };
  }

  view(): DiskFaultsView {
    return {
      spec: this.#text,
      seed: this.#spec.seed,
      bytesWritten: this.#bytesWritten,
      injected: { ...this.#injected },
    };
  }

  async read(handle: FileHandle, position: number, length: number, path: string): Promise<Buffer> {
    if (this.#fires("eio", path, "read")) {
      this.#injected.eio_read += 1;
      throw injected("EIO", "read", path, "eio=read");
    }
    return this.disk.read(handle, position, length, path);
  }

  async writeDurably(handle: FileHandle, position: number, data: Uint8Array, path: string): Promise<number> {
    const budget = this.#rule("enospc_after");
    if (budget !== undefined && this.#bytesWritten + data.length > budget.bytes) {
      this.#injected.enospc += 1;
      throw injected("ENOSPC", "write", path, `enospc_after=${budget.bytes}`);
    }
    if (this.#fires("torn_write", path)) {
      this.#injected.torn_write += 1;
      // Half the bytes reach the file, never synced; the process dies before fdatasync or reply.
      await writeAllAt(handle, position, data.subarray(0, Math.ceil(data.length / 2)));
      this.die();
      return new Promise<number>(() => {});
    }
    if (this.#fires("eio", path, "write")) {
      this.#injected.eio_write += 1;
      await this.#failedWrite(handle, position, data, path);
    }
    await this.#slowSync(path);
    const written = await this.disk.writeDurably(handle, position, data, path);
    this.#bytesWritten += written;
    return written;
  }

  async datasync(handle: FileHandle, path: string): Promise<void> {
    await this.#slowSync(path);
    return this.disk.datasync(handle, path);
  }

  async sync(handle: FileHandle, path: string): Promise<void> {
    await this.#slowSync(path);
    return this.disk.sync(handle, path);
  }

  /**
   * The write whose fdatasync fails: the bytes go to the file as a pwrite would put them in the
   * kernel's page cache, then the failure puts the old bytes and size back (what the disk still
   * holds) before EIO is answered. Linux after a failed fsync may keep serving the new bytes from
   * its own page cache; dom0 must not, so the fault models the disk, not that kernel behaviour.
   * The old bytes are read through a second descriptor (/proc/self/fd), as the guest's may be
   * write-only; where that cannot be opened the write fails before any byte changes.
   */
  async #failedWrite(handle: FileHandle, position: number, data: Uint8Array, path: string): Promise<never> {
    const failure = injected("EIO", "write", path, "eio=write");
    const reader = await open(`/proc/self/fd/${handle.fd}`, "r").catch(() => undefined);
    if (reader === undefined) throw failure;
    try {
      const { size } = await reader.stat();
      const before = await readAt(reader, position, data.length);
      await writeAllAt(handle, position, data);
      await writeAllAt(handle, position, before);
      // Grown (past the end, or anywhere under O_APPEND, where pwrite ignores its position): cut back.
      if ((await reader.stat()).size > size) await handle.truncate(size);
      await handle.datasync();
    } finally {
      await reader.close();
    }
    throw failure;
  }

  async #slowSync(path: string): Promise<void> {
    const slow = this.#spec.rules.find((r) => r.kind === "slow_fsync" && matches(r, path));
    if (slow?.kind !== "slow_fsync" || slow.ms === 0) return;
    this.#injected.slow_fsync += 1;
    await sleep(slow.ms);
  }

  #rule<K extends DiskFaultRule["kind"]>(kind: K): Extract<DiskFaultRule, { kind: K }> | undefined {
    return this.#spec.rules.find((r) => r.kind === kind) as Extract<DiskFaultRule, { kind: K }> | undefined;
  }

  /** Whether a rule of `kind` (for `op`) matching `path` fires now; draws one number per candidate. */
  #fires(kind: "eio" | "torn_write", path: string, op?: "read" | "write"): boolean {
    for (const rule of this.#spec.rules) {
      if (rule.kind !== kind || !matches(rule, path)) continue;
      if (rule.kind === "eio" && rule.op !== op) continue;
      if (rule.kind === "torn_write") {
        const seen = (this.#matches.get(rule) ?? 0) + 1;
        this.#matches.set(rule, seen);
        if (seen < rule.after) continue;
      }
      if (rule.kind === "eio" || rule.kind === "torn_write") {
        if (rule.p >= 1 || this.#random() < rule.p) return true;
      }
    }
    return false;
  }
}

function matches(rule: { readonly path?: string }, path: string): boolean {
  return rule.path === undefined || pathMatches(rule.path, path);
}

function injected(code: "EIO" | "ENOSPC", syscall: string, path: string, rule: string): ExportError {
  return new ExportError(code, { syscall, path, reason: `injected disk fault ${rule}` });
}
