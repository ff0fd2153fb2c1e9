// Shared mmap between guests (docs/mmap.md): a guest's mapping of a file range is the page
// cache's own frames, granted to it once more — writable for a shared writable mapping, so every
// mapper reads and writes the very same frames. Mapped pages stay pinned (never evicted, never
// revoked by reclaim) until unmapped. dom0 cannot see a guest's stores, so a page any writable
// mapping holds is dirty: msync writes it to disk, and so does the unmap that ends the last
// writable mapping of it.
import type { GrantTable, Memory } from "@xenfs/libxen";
import type { AttrPages } from "../../attr-pages.js";
import type { GrantReaper } from "../../grants/grant-reaper.js";
import { type CachePage, type InodeLocks, PAGE_SIZE, type PageCache } from "../../page-cache/index.js";
import { XenfsRequestError } from "../errors.js";
import type { GuestFs } from "../guest-fs.js";
import { fileAttrsOf } from "../records.js";

/** One grant of one cache page to one guest for a mapping. */
interface Mapped {
  readonly page: CachePage;
  readonly writable: boolean;
  /** The guest's fd the mapping was made through: write-back writes through it. */
  readonly fd: number;
  readonly fs: GuestFs;
}

export interface MapRequest {
  readonly domid: number;
  readonly fd: number;
  readonly fs: GuestFs;
  readonly inode: string;
  readonly first: number;
  readonly count: number;
  readonly writable: boolean;
  readonly fill: (position: number, length: number) => Promise<Uint8Array>;
}

export class FileMappings {
  /** Each guest's mapping grants: ref → what it maps. */
  readonly #byGuest = new Map<number, Map<number, Mapped>>();
  /** Writable grants per page: the last one's unmap writes the page back. */
  readonly #writers = new Map<CachePage, number>();

  constructor(
    private readonly memory: Memory,
    private readonly grants: GrantTable,
    private readonly reaper: GrantReaper,
    private readonly cache: PageCache,
    private readonly locks: InodeLocks,
    private readonly attrs: AttrPages,
  ) {}

  /** Grants for pages [first, first + count) (fewer at end of file), their pages pinned. */
  async map(req: MapRequest): Promise<number[]> {
    const size = (await req.fs.fstat(req.domid, req.fd)).size;
    const count = Math.min(req.first + req.count, Math.ceil(size / PAGE_SIZE)) - req.first;
    if (count <= 0) return [];
    const pages = await this.cache.acquireRun(req.inode, req.first, count, req.fill);
    if (pages.length < count) {
      // The cache cannot hold the whole range at once: a mapping is all or nothing.
      for (const page of pages) this.cache.unpin(page);
      throw new XenfsRequestError("ENOMEM", `mmap: ${count} pages do not fit the page cache`);
    }
    const refs: number[] = [];
    try {
      for (const page of pages) {
        refs.push(await this.grants.grantAccess(req.domid, page.gpfn, { readonly: !req.writable }));
      }
    } catch (error) {
      await Promise.allSettled(refs.map((ref) => this.reaper.end(ref)));
      for (const page of pages) this.cache.unpin(page);
      throw error;
    }
    const mine = this.#guest(req.domid);
    for (const [i, page] of pages.entries()) {
      mine.set(refs[i] as number, { page, writable: req.writable, fd: req.fd, fs: req.fs });
      if (req.writable) this.#writers.set(page, (this.#writers.get(page) ?? 0) + 1);
    }
    return refs;
  }

  /** Writes the pages [first, first + count) the guest maps writable through `fd` to disk. */
  async msync(domid: number, fd: number, first: number, count: number): Promise<void> {
    const pages = new Set<CachePage>();
    let fs: GuestFs | undefined;
    for (const mapped of this.#byGuest.get(domid)?.values() ?? []) {
      const { page } = mapped;
      if (mapped.fd !== fd || !mapped.writable || page.index < first || page.index >= first + count) continue;
      pages.add(page);
      fs = mapped.fs;
    }
    if (fs) await this.#writeBack(domid, fd, fs, [...pages]);
  }

  /** The guest unmapped these grants; refs it was never given change nothing. */
  async unmap(domid: number, refs: readonly number[]): Promise<void> {
    const mine = this.#byGuest.get(domid);
    const ended: [number, Mapped][] = [];
    for (const ref of refs) {
      const mapped = mine?.get(ref);
      if (!mapped) continue;
      mine?.delete(ref);
      ended.push([ref, mapped]);
    }
    await this.#end(domid, ended);
  }

  /** The guest is going (its files still open): write back what it dirtied, end its grants. */
  async releaseGuest(domid: number): Promise<void> {
    const mine = this.#byGuest.get(domid);
    this.#byGuest.delete(domid);
    await this.#end(domid, [...(mine ?? [])]);
  }

  /**
   * A truncate of `inode` from `size` to `length`: refused (EBUSY) when it would cut into a
   * mapped page, since a mapper's next access would touch bytes the file no longer has.
   */
  checkTruncate(inode: string, size: number, length: number): void {
    if (length >= size) return;
    for (const guest of this.#byGuest.values()) {
      for (const { page } of guest.values()) {
        // A reclaiming page is of an unlinked file whose inode number may now be another's.
        if (page.inode === inode && !page.reclaiming && (page.index + 1) * PAGE_SIZE > length) {
          throw new XenfsRequestError("EBUSY", `truncate to ${length}: page ${page.index} is mapped`);
        }
      }
    }
  }

  /** Pages mapped now, over all guests (a page mapped twice counts twice). */
  get mapped(): number {
    let n = 0;
    for (const guest of this.#byGuest.values()) n += guest.size;
    return n;
  }

  async #end(domid: number, ended: readonly [number, Mapped][]): Promise<void> {
    const lastWriters: Mapped[] = [];
    for (const [, mapped] of ended) {
      if (!mapped.writable) continue;
      const left = (this.#writers.get(mapped.page) ?? 1) - 1;
      if (left > 0) this.#writers.set(mapped.page, left);
      else {
        this.#writers.delete(mapped.page);
        lastWriters.push(mapped);
      }
    }
    try {
      for (const [fd, group] of groupBy(lastWriters, (m) => m.fd)) {
        await this.#writeBack(
          domid,
          fd,
          (group[0] as Mapped).fs,
          group.map((m) => m.page),
        );
      }
    } finally {
      await Promise.allSettled(ended.map(([ref]) => this.reaper.end(ref)));
      for (const [, mapped] of ended) this.cache.unpin(mapped.page);
    }
  }

  /** Each page's bytes up to the end of file, written through the guest's fd (synced). */
  async #writeBack(domid: number, fd: number, fs: GuestFs, pages: readonly CachePage[]): Promise<void> {
    for (const page of [...pages].sort((a, b) => a.index - b.index)) {
      await this.locks.run(page.inode, async () => {
        const size = (await fs.fstat(domid, fd)).size;
        const length = Math.min(PAGE_SIZE, size - page.index * PAGE_SIZE);
        if (length <= 0) return;
        // Straight to disk, not through the cache's `written`: the frame is the source here,
        // and copying a snapshot back into it could undo a mapper's later store.
        await fs.write(domid, fd, page.index * PAGE_SIZE, await this.memory.read(page.gpfn, 0, length));
        await this.attrs.update(page.inode, fileAttrsOf(await fs.fstat(domid, fd)));
      });
    }
  }

  #guest(domid: number): Map<number, Mapped> {
    let mine = this.#byGuest.get(domid);
    if (!mine) {
      mine = new Map();
      this.#byGuest.set(domid, mine);
    }
    return mine;
  }
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
