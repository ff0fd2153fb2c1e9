// Machine memory as a file in host shared memory: machine frame mfn at byte mfn × 4096. Domain
// processes on the shm transport open the same file and read and write their frames in place;
// the hypervisor's own accesses (grant copy, grant entries, atomics) go through the same bytes
// with positioned reads and writes on one descriptor, synchronous, so each hypercall still runs
// to completion. The file is sparse (a frame costs memory once written), mode 0600 (only this
// user's processes may open it), removed on close and on process exit; one left by a crashed
// hypervisor on this host (its pid is dead, or is this process's own pid but not a file it
// opened: a restarted container's hypervisor is pid 1 again) is removed when the next one starts
// in that directory. Files named for another host (a volume shared between containers) are
// left alone: their liveness cannot be judged from here. After the frames, one dirty byte per
// frame (proto's memory-file layout): shm domains set it after writing in place; the
// hypervisor's own writes are marked in memory instead (no extra write), and log-dirty reads
// both (docs/design.md#log-dirty).
import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
  writevSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { dirtyMapOffset, memoryFileBytes, XEN_PAGE_SIZE } from "@xenfs/proto";
import { fileResidentBytes } from "@xenfs/service-kit";

/** `xenfs-memory.<pid>.<n>.<host>`: pid and host tell a stale file from a live one. */
const FILE_NAME = /^xenfs-memory\.(\d+)\.(\d+)\.(.+)$/;
const DEFAULT_DIR = "/dev/shm";
/** One write (zeroing or filling a run of frames) covers at most this much. */
const ZERO_CHUNK = 256 * 1024;
const ZEROS = new Uint8Array(ZERO_CHUNK);

/** A page as a whole frame's bytes: a short one zero-padded (the frame may hold another's bytes). */
export function wholePage(page: Uint8Array): Uint8Array {
  if (page.length === XEN_PAGE_SIZE) return page;
  const bytes = new Uint8Array(XEN_PAGE_SIZE);
  bytes.set(page.subarray(0, XEN_PAGE_SIZE));
  return bytes;
}

/** Runs of consecutive mfns (each at most ZERO_CHUNK bytes): where in `mfns`, the first, how many. */
function* runs(mfns: readonly number[]): Generator<{ at: number; first: number; count: number }> {
  let at = 0;
  while (at < mfns.length) {
    const first = mfns[at]!;
    let count = 1;
    while (
      at + count < mfns.length &&
      mfns[at + count] === first + count &&
      count * XEN_PAGE_SIZE < ZERO_CHUNK
    )
      count++;
    yield { at, first, count };
    at += count;
  }
}

let instances = 0;
const open = new Set<MemoryFile>();
let exitHook = false;

/** `/dev/shm` where the host has it, else the OS temporary directory. */
export function defaultMemoryDir(): string {
  try {
    if (statSync(DEFAULT_DIR).isDirectory()) return DEFAULT_DIR;
  } catch {
    // no /dev/shm (macOS, some containers)
  }
  return tmpdir();
}

function alive(pid: number, path: string): boolean {
  if (pid === process.pid) return [...open].some((file) => file.path === path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

/** Removes memory files whose hypervisor process no longer exists; returns their paths. */
export function removeStale(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const match = FILE_NAME.exec(name);
    if (!match || match[3] !== hostname() || alive(Number(match[1]), join(dir, name))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(join(dir, name));
    } catch {
      // raced with another hypervisor cleaning up: gone either way
    }
  }
  return removed;
}

export class MemoryFile {
  readonly #fd: number;
  readonly ino: number;
  /** Frames ever handed out: the others are still holes, already zero. */
  readonly #touched: Uint8Array;
  /** Frames the hypervisor itself wrote (or handed out) since their dirty mark was last cleared. */
  readonly #dirty: Uint8Array;
  #closed = false;

  private constructor(
    readonly path: string,
    readonly frames: number,
  ) {
    this.#fd = openSync(path, "wx+", 0o600);
    ftruncateSync(this.#fd, memoryFileBytes(frames));
    this.ino = fstatSync(this.#fd).ino;
    this.#touched = new Uint8Array(frames);
    this.#dirty = new Uint8Array(frames);
  }

  /** Creates the file for `frames` frames in `dir`, after removing stale ones there. */
  static create(dir: string, frames: number): { file: MemoryFile; stale: string[] } {
    const stale = removeStale(dir);
    let path: string;
    do path = join(dir, `xenfs-memory.${process.pid}.${++instances}.${hostname()}`);
    while (existsSync(path));
    const file = new MemoryFile(path, frames);
    open.add(file);
    if (!exitHook) {
      exitHook = true;
      process.once("exit", () => {
        for (const f of open) f.close();
      });
    }
    return { file, stale };
  }

  /** Bytes of the file really held in memory (tmpfs blocks): what machine memory costs the host. */
  residentBytes(): number {
    return fileResidentBytes(this.path) ?? 0;
  }

  read(mfn: number, offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(mfn, offset, out);
    return out;
  }

  readInto(mfn: number, offset: number, target: Uint8Array): void {
    let done = 0;
    const at = mfn * XEN_PAGE_SIZE + offset;
    while (done < target.length) {
      const n = readSync(this.#fd, target, done, target.length - done, at + done);
      if (n === 0) throw new Error(`memory file ended at ${at + done}`);
      done += n;
    }
  }

  write(mfn: number, offset: number, bytes: Uint8Array): void {
    let done = 0;
    const at = mfn * XEN_PAGE_SIZE + offset;
    while (done < bytes.length) done += writeSync(this.#fd, bytes, done, bytes.length - done, at + done);
    const last = Math.floor((at + Math.max(bytes.length, 1) - 1) / XEN_PAGE_SIZE);
    this.#dirty.fill(1, mfn, last + 1);
  }

  /**
   * The dirty mark of every frame: set by shm domains in the file after their in-place writes,
   * or by the hypervisor's own writes and allocations. Read after the frames' bytes are
   * written, cleared (clearDirty) before they are copied: then no write escapes (see
   * docs/design.md#log-dirty).
   */
  readDirty(): Uint8Array {
    const marks = new Uint8Array(this.frames);
    let done = 0;
    const at = dirtyMapOffset(this.frames);
    while (done < marks.length) {
      const n = readSync(this.#fd, marks, done, marks.length - done, at + done);
      if (n === 0) break;
      done += n;
    }
    for (let mfn = 0; mfn < this.frames; mfn++) marks[mfn]! |= this.#dirty[mfn]!;
    return marks;
  }

  /** Clears the dirty marks of `mfns` (each seen set by readDirty). */
  clearDirty(mfns: readonly number[]): void {
    const zero = new Uint8Array(1);
    const at = dirtyMapOffset(this.frames);
    for (const mfn of mfns) {
      this.#dirty[mfn] = 0;
      writeSync(this.#fd, zero, 0, 1, at + mfn);
    }
  }

  /** Zeroes frames about to be handed out; a frame never used is a hole and reads as zero already. */
  zero(mfns: readonly number[]): void {
    for (const { first, count } of runs(mfns)) {
      const dirty = this.#touched.subarray(first, first + count).some((t) => t !== 0);
      if (dirty) this.write(first, 0, ZEROS.subarray(0, count * XEN_PAGE_SIZE));
      this.#touched.fill(1, first, first + count);
      this.#dirty.fill(1, first, first + count); // a frame handed out is new content
    }
  }

  /**
   * Frames about to be handed out, filled with whole pages (`pages[i]` into `mfns[i]`, short
   * pages zero-padded): runs of consecutive frames go in one write each, and nothing is zeroed
   * first since every byte is written. What a restore does with a domain's memory.
   */
  fill(mfns: readonly number[], pages: readonly Uint8Array[]): void {
    for (const { at, first, count } of runs(mfns)) {
      // Gathered by the kernel (writev): no copy of the run in between.
      const parts = pages.slice(at, at + count).map(wholePage);
      const written = writevSync(this.#fd, parts, first * XEN_PAGE_SIZE);
      // A short writev (never seen on tmpfs): the rest the plain way.
      if (written < count * XEN_PAGE_SIZE) this.write(first, written, Buffer.concat(parts).subarray(written));
      this.#touched.fill(1, first, first + count);
      this.#dirty.fill(1, first, first + count);
    }
  }

  /** Closes and removes the file (domains that still have it open keep their pages until they close). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    open.delete(this);
    closeSync(this.#fd);
    try {
      unlinkSync(this.path);
    } catch {
      // already removed
    }
  }
}
