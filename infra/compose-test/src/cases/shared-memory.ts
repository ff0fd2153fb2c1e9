// Four guests reading one file hold its bytes once in real memory, not five times: with frames in
// host shared memory (the tmpfs volume, XEN_MEMORY_TRANSPORT=shm) dom0's page cache holds the file
// once and the guests read those frames in place. Checked two ways: the memory file grows by one
// copy, and no guest's process grows by a copy (a private copy would). The total growth is
// printed, not asserted: each busy Node process — the hypervisor and dom0 most — also grows its
// heap by tens of MiB (hypercall traffic, not file data), which docs/memory-transports.md explains. Host memory here is what the kernel says: the
// sum of every container's Pss (/proc/1/smaps_rollup: node is PID 1) plus the memory file's
// resident bytes, which no Pss holds (read with pread/pwrite, mapped by nobody).
import { createHash } from "node:crypto";
import { parseSmapsRollup } from "../../../../packages/service-kit/src/proc-memory.js";
import { readGuestFile } from "../cluster.js";
import type { CaseContext, TestCase } from "../context.js";
import { docker } from "../docker.js";

const FILE = "memory-test-64MiB.bin";
/** Garbage is collected when Node decides: "before" and "after" are each the lowest of samples this far apart. */
const SETTLE_SAMPLES = 6;
const SETTLE_INTERVAL_MS = 5_000;
const FILE_BYTES = 64 * 1024 * 1024;
/** The memory file's growth, in copies of the file: one, with room for the frames a read adds. */
const MAX_FILE_COPIES = 1.25;
/** A guest's own growth, in copies of the file, past which it kept a private copy (see below). */
const MAX_GUEST_COPIES = 1.5;
const MiB = 1024 * 1024;

interface HostMemory {
  /** Per container, in the order given. */
  readonly pss: readonly number[];
  readonly pssBytes: number;
  readonly fileBytes: number;
  readonly totalBytes: number;
}

interface MemoryFileView {
  readonly host?: { readonly memoryFile: { readonly path: string; readonly residentBytes: number } | null };
}

async function pssOf(container: string): Promise<number> {
  return parseSmapsRollup(1, await docker("exec", container, "cat", "/proc/1/smaps_rollup")).pssBytes;
}

async function hostMemory(ctx: CaseContext, containers: readonly string[]): Promise<HostMemory> {
  const view = (await ctx.cluster.memory()) as MemoryFileView;
  const file = view.host?.memoryFile;
  if (!file) {
    throw new Error(
      "the hypervisor reports no memory file (/api/memory host.memoryFile): frames are not in host shared memory",
    );
  }
  const pss: number[] = [];
  for (const container of containers) pss.push(await pssOf(container));
  const pssBytes = pss.reduce((sum, bytes) => sum + bytes, 0);
  return { pss, pssBytes, fileBytes: file.residentBytes, totalBytes: pssBytes + file.residentBytes };
}

/** The lowest host memory over the settle window: what stays once garbage is gone. */
async function settledHostMemory(ctx: CaseContext, containers: readonly string[]): Promise<HostMemory> {
  let lowest = await hostMemory(ctx, containers);
  for (let i = 1; i < SETTLE_SAMPLES; i++) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_INTERVAL_MS));
    const sample = await hostMemory(ctx, containers);
    if (sample.totalBytes < lowest.totalBytes) lowest = sample;
  }
  return lowest;
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const show = (m: HostMemory) => `${mib(m.totalBytes)} (Pss ${mib(m.pssBytes)} + file ${mib(m.fileBytes)})`;

export const sharedMemory: TestCase = {
  name: "shared-memory",
  withWrites: false,
  async run(ctx) {
    // A file of its own, so that no earlier read has it in dom0's cache.
    const digest = await ctx.compose.run(
      "exec",
      "-T",
      "dom0",
      "node",
      "-e",
      `const d = require("crypto").randomBytes(${FILE_BYTES});` +
        `require("fs").writeFileSync("/export/${FILE}", d);` +
        `console.log(require("crypto").createHash("sha256").update(d).digest("hex"))`,
    );
    const containers = [
      await ctx.compose.one("hypervisor"),
      await ctx.compose.one("dom0"),
      ...ctx.guests.map((g) => g.id),
    ];
    const before = await settledHostMemory(ctx, containers);
    const reads = await Promise.all(ctx.guests.map((g) => readGuestFile(g, FILE)));
    const after = await settledHostMemory(ctx, containers);

    reads.forEach((data, i) => {
      if (createHash("sha256").update(data).digest("hex") !== digest)
        throw new Error(`guest ${ctx.guests[i]?.id.slice(0, 12)} read other bytes`);
    });
    const copies = (after.totalBytes - before.totalBytes) / FILE_BYTES;
    const fileCopies = (after.fileBytes - before.fileBytes) / FILE_BYTES;
    const names = ["hypervisor", "dom0", ...ctx.guests.map((_, i) => `guest ${i + 1}`)];
    const growth = names.map((name, i) => ({ name, bytes: (after.pss[i] ?? 0) - (before.pss[i] ?? 0) }));
    ctx.figure(`host memory before the ${mib(FILE_BYTES)} read`, show(before));
    ctx.figure(`host memory after ${reads.length} guests read it`, show(after));
    ctx.figure("memory file growth, in copies of the file", fileCopies.toFixed(2));
    ctx.figure("Pss growth per process", growth.map((g) => `${g.name} ${mib(g.bytes)}`).join(", "));
    ctx.figure(
      "total growth, in copies of the file",
      `${copies.toFixed(2)} (a copy per domain: ${reads.length + 1})`,
    );
    if (fileCopies > MAX_FILE_COPIES) {
      throw new Error(
        `${reads.length} guests reading one ${mib(FILE_BYTES)} file grew the memory file by ${fileCopies.toFixed(2)} copies (> ${MAX_FILE_COPIES})`,
      );
    }
    // Guests read dom0's frames in place. A private copy would add the file on top of the heap
    // growth every busy guest shows (45–60 MiB measured): past 1.5 copies, a guest kept one.
    const copied = growth.slice(2).filter((g) => g.bytes >= MAX_GUEST_COPIES * FILE_BYTES);
    if (copied.length > 0) {
      throw new Error(
        `a guest grew by ${MAX_GUEST_COPIES} copies of the ${mib(FILE_BYTES)} file or more: ${copied.map((g) => `${g.name} ${mib(g.bytes)}`).join(", ")}`,
      );
    }
  },
};
