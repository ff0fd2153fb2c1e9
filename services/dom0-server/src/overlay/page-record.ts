// The changed-pages record of a page-granular upper file (docs/xenfs.md#cow-mode): the upper
// file is sparse, and the record beside it, `.wh..wh..pg.<name>`, says which of its pages are
// its own; every other page below `baseSize` is the base's, read from the base file (in dom0's
// page cache: the frames every guest shares). It is written aside, synced and renamed into
// place, so a dom0 restart finds either the old record or the new one.
import { randomUUID } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { syncDir } from "../export/durable.js";
import { type FileStat, identityKey } from "../export/index.js";
import { PAGE_SIZE } from "../page-cache/index.js";
import { PAGE_RECORD_PREFIX } from "./whiteout.js";

const FORMAT = 1;

/** What the record holds, as stored. */
interface Stored {
  readonly format: number;
  /** The upper file's inode number: a record naming another file (a stale one) is not used. */
  readonly ino: string;
  /** The base file's identity (baseIdentity) at copy-up: its pages are that file's, nobody else's. */
  readonly base: string;
  readonly baseSize: number;
  /** Changed pages as [first, count] runs. */
  readonly changed: readonly (readonly [number, number])[];
}

export class PageRecord {
  /** The upper file is no longer at its path (unlinked): the record is not written any more. */
  detached = false;

  constructor(
    /** The record's host path. */
    readonly hostPath: string,
    readonly ino: string,
    /** The base file's identity (baseIdentity) at copy-up. */
    readonly base: string,
    /**
     * Bytes the base shows: pages wholly below it that are not changed are the base's. Either
     * page-aligned or the base file's size at copy-up (whose last page's frame is zero past it).
     */
    public baseSize: number,
    readonly changed: Set<number> = new Set(),
  ) {}

  /** Whether page `index` is the base's (its bytes are the base file's). */
  fromBase(index: number): boolean {
    return index * PAGE_SIZE < this.baseSize && !this.changed.has(index);
  }

  /** Pages of [first, end) that are the base's. */
  basePages(first: number, end: number): number[] {
    const pages: number[] = [];
    for (let index = first; index < end; index++) if (this.fromBase(index)) pages.push(index);
    return pages;
  }

  /** Whether any page is still the base's. */
  get sparse(): boolean {
    if (this.baseSize <= 0) return false;
    const pages = Math.ceil(this.baseSize / PAGE_SIZE);
    for (let index = 0; index < pages; index++) if (!this.changed.has(index)) return true;
    return false;
  }

  /** Written aside, synced, renamed into place; nothing when detached. */
  async save(): Promise<void> {
    if (this.detached) return;
    const stored: Stored = {
      format: FORMAT,
      ino: this.ino,
      base: this.base,
      baseSize: this.baseSize,
      changed: runsOf(this.changed),
    };
    await writeDurably(this.hostPath, JSON.stringify(stored));
  }

  /** The record goes (the file is whole, or gone). */
  async remove(): Promise<void> {
    this.detached = true;
    await removeRecord(this.hostPath);
  }
}

/**
 * Which base file a record's pages come from: dev:ino and birth time, since a file removed and
 * made again often gets the same inode number (no birth time kept: the inode alone).
 */
export function baseIdentity(stat: FileStat): string {
  return `${identityKey(stat)}@${stat.birthtimeNs}`;
}

/** `<dir>/.wh..wh..pg.<name>` for the upper file `<dir>/<name>`. */
export function recordPathOf(upperHostPath: string): string {
  const name = upperHostPath.slice(dirname(upperHostPath).length + 1);
  return join(dirname(upperHostPath), PAGE_RECORD_PREFIX + name);
}

/**
 * The record of the upper file at `upperHostPath` (inode `ino`, `size` bytes), or undefined when
 * it has none or the one there names another inode. A record whose base reaches past the file's
 * end (a truncate cut short by a crash) is clamped: such pages are the upper's.
 */
export async function loadRecord(
  upperHostPath: string,
  ino: string,
  size: number,
): Promise<PageRecord | undefined> {
  const hostPath = recordPathOf(upperHostPath);
  let text: string;
  try {
    text = await readFile(hostPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const stored = JSON.parse(text) as Stored;
  if (stored.format !== FORMAT || stored.ino !== ino) return undefined;
  const changed = new Set<number>();
  for (const [first, count] of stored.changed) for (let i = 0; i < count; i++) changed.add(first + i);
  const baseSize = stored.baseSize <= size ? stored.baseSize : Math.floor(size / PAGE_SIZE) * PAGE_SIZE;
  return new PageRecord(hostPath, ino, stored.base, baseSize, changed);
}

export async function removeRecord(hostPath: string): Promise<void> {
  try {
    await unlink(hostPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  await syncDir(dirname(hostPath));
}

async function writeDurably(hostPath: string, text: string): Promise<void> {
  const dir = dirname(hostPath);
  const aside = join(dir, `${PAGE_RECORD_PREFIX}${randomUUID()}.new`);
  const handle = await open(aside, "w", 0o600);
  try {
    await handle.writeFile(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(aside, hostPath);
  await syncDir(dir);
}

function runsOf(pages: ReadonlySet<number>): [number, number][] {
  const runs: [number, number][] = [];
  for (const page of [...pages].sort((a, b) => a - b)) {
    const last = runs.at(-1);
    if (last && last[0] + last[1] === page) last[1] += 1;
    else runs.push([page, 1]);
  }
  return runs;
}
