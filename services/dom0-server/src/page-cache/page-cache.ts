// The host's one page cache: (inode, page index) → a frame dom0 owns, filled from disk once and
// granted read-only to every guest that maps it. dom0 is the only writer of these frames, so a
// write updates them in place: guests on shm read the same bytes, guests on the socket transport
// get them through frame coherence.
import type { GrantTable, Memory } from "@xenfs/libxen";
import type { GrantReaper } from "../grants/grant-reaper.js";
import { type CachePage, PAGE_SIZE, pageKey, pageSpan } from "./cache-page.js";
import { PageCacheError } from "./errors.js";
import type { InodeLocks } from "./inode-locks.js";
import { PageGrants } from "./page-grants.js";

/** Reads file bytes from disk for a fill (ExportFs.read of an open file). */
export type PageReader = (position: number, length: number) => Promise<Uint8Array>;

export interface PageCacheStats {
  readonly frames: number;
  readonly budgetFrames: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly revocations: number;
  /** Files with at least one page cached. */
  readonly files: number;
}

const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

export class PageCache {
  /** Live pages by key, least recently used first (a Map keeps insertion order). */
  readonly #lru = new Map<string, CachePage>();
  /** Every page of an inode, live or being reclaimed: writes reach both, but not a dead file's. */
  readonly #byInode = new Map<string, Set<CachePage>>();
  /** Reclaims running in the background (unlinked files); awaited on close. */
  readonly #background = new Set<Promise<void>>();
  /** Pages of forgotten inodes still pinned (a guest's mmap): reclaimed at their last unpin. */
  readonly #forgottenPinned = new Set<CachePage>();
  /** Pages of files whose last name went (forget): never written again, whatever takes their number. */
  readonly #dead = new WeakSet<CachePage>();
  #frames = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  readonly #grants: PageGrants;

  constructor(
    private readonly memory: Memory,
    grants: GrantTable,
    private readonly reaper: GrantReaper,
    private readonly locks: InodeLocks,
    readonly budgetFrames: number,
    /** Says the new frames are page cache (XenDomain.annotate), for the hypervisor's frame map. */
    private readonly annotate?: (gpfns: readonly number[]) => Promise<void>,
  ) {
    this.#grants = new PageGrants(grants, reaper, () => this.#lru.values());
  }

  /** The page `index` of `inode`, pinned: `unpin` it when done. */
  async acquire(inode: string, index: number, read: PageReader): Promise<CachePage> {
    return (await this.acquireRun(inode, index, 1, read))[0] as CachePage;
  }

  /**
   * Pages [first, first + count) of `inode`, pinned: `unpin` each when done. Each run of misses
   * is filled under the inode's lock with one disk read (before any frame is taken, so a failed
   * read changes nothing), one populate_physmap and its content writes issued together. A cache
   * too full for the whole range answers a shorter prefix, never an empty one (ENOMEM).
   */
  async acquireRun(inode: string, first: number, count: number, read: PageReader): Promise<CachePage[]> {
    const pages = this.#hitsFrom(inode, first, count);
    if (pages.length === count) return pages;
    return this.locks.run(inode, async () => {
      try {
        while (pages.length < count) {
          const index = first + pages.length;
          const hit = this.#lookup(inode, index);
          if (hit) {
            pages.push(hit);
            continue;
          }
          const misses = this.#missesFrom(inode, index, first + count);
          const filled = await this.#fill(inode, index, misses, read);
          pages.push(...filled);
          if (filled.length < misses) break;
        }
        return pages;
      } catch (error) {
        if (error instanceof PageCacheError && pages.length > 0) return pages;
        for (const page of pages) this.unpin(page);
        throw error;
      }
    });
  }

  unpin(page: CachePage): void {
    page.pins = Math.max(0, page.pins - 1);
    // A page forgotten while a mapping pinned it (docs/mmap.md) goes when the mapping does.
    if (page.pins === 0 && this.#forgottenPinned.delete(page)) this.#reclaimInBackground(page);
  }

  /** The read-only grants of `pages` to `domid`, made together (one multicall frame). */
  grantAll(pages: readonly CachePage[], domid: number): Promise<number[]> {
    return this.#grants.grantAll(pages, domid);
  }

  /** The read-only grant of `page` to `domid`: one per (frame, guest), reused while it lives. */
  grantTo(page: CachePage, domid: number): Promise<number> {
    return this.#grants.grantTo(page, domid);
  }

  /** A guest unmapped these grants (release_pages). Refs it was never given change nothing. */
  release(domid: number, refs: readonly number[]): Promise<void> {
    return this.#grants.release(domid, refs);
  }

  /** A guest went away (or disconnected): end every grant it was given. */
  releaseGuest(domid: number): Promise<void> {
    return this.#grants.releaseGuest(domid);
  }

  /** Grants held by a guest. */
  grantsOf(domid: number): number {
    return this.#grants.grantsOf(domid);
  }

  /**
   * Puts bytes just written to disk at `position` into every cached frame of the file (call
   * under the inode's lock). Uncached pages are left to be filled from disk later.
   */
  async written(inode: string, position: number, data: Uint8Array): Promise<void> {
    const { first, end } = pageSpan(position, data.length);
    const writes = this.#live(inode)
      .filter((page) => page.index >= first && page.index < end)
      .map((page) => {
        const start = Math.max(position, page.index * PAGE_SIZE);
        const stop = Math.min(position + data.length, (page.index + 1) * PAGE_SIZE);
        return this.#writeFrame(
          page,
          start - page.index * PAGE_SIZE,
          data.subarray(start - position, stop - position),
        );
      });
    await Promise.all(writes);
  }

  /**
   * The file is now `size` bytes (call under the inode's lock). Bytes past the new end become
   * zeros in every frame still held, so a later extension reads zeros as on disk; pages wholly
   * past the end that no guest holds are freed.
   */
  async truncated(inode: string, size: number): Promise<void> {
    const work = this.#live(inode).map(async (page) => {
      const start = page.index * PAGE_SIZE;
      if (start + PAGE_SIZE <= size) return;
      const from = Math.max(0, size - start);
      if (from === 0 && page.grants.size === 0 && page.pins === 0 && !page.reclaiming) {
        this.#evict(page);
        return this.#reclaim(page);
      }
      return this.#writeFrame(page, from, ZERO_PAGE.subarray(from));
    });
    await Promise.all(work);
  }

  /**
   * The inode lost its last name: its number may come back for a new file, so its pages leave
   * the index now and their frames go once their guests have unmapped them.
   */
  forget(inode: string): void {
    for (const page of this.#byInode.get(inode) ?? []) {
      this.#dead.add(page);
      if (page.reclaiming) continue;
      this.#evict(page);
      // Mapped by a guest (mmap keeps its pages pinned): the file lives on in the mapping, as an
      // unlinked file does on Linux, and its frame goes at the unmap.
      if (page.pins > 0) this.#forgottenPinned.add(page);
      else this.#reclaimInBackground(page);
    }
  }

  #reclaimInBackground(page: CachePage): void {
    // A grant that cannot be ended keeps its frame counted against the budget; nothing else
    // can be done for it, and the caller (an unlink) has already succeeded.
    const reclaim = this.#reclaim(page).catch(() => {});
    this.#background.add(reclaim);
    void reclaim.finally(() => this.#background.delete(reclaim));
  }

  stats(): PageCacheStats {
    return {
      frames: this.#frames,
      budgetFrames: this.budgetFrames,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      revocations: this.reaper.revocations,
      files: [...this.#byInode.values()].filter((pages) => pages.size > 0).length,
    };
  }

  /** Ends every grant and frees every frame. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#background]);
    const pages = [...this.#lru.values(), ...this.#forgottenPinned];
    this.#forgottenPinned.clear();
    for (const page of pages) this.#evict(page);
    await Promise.allSettled(pages.map((page) => this.#reclaim(page)));
  }

  #lookup(inode: string, index: number): CachePage | undefined {
    const key = pageKey(inode, index);
    const page = this.#lru.get(key);
    if (page === undefined) return undefined;
    this.#hits += 1;
    this.#lru.delete(key);
    this.#lru.set(key, page);
    page.pins += 1;
    return page;
  }

  /** The cached pages from `first` on, pinned, up to the first miss or `count`. */
  #hitsFrom(inode: string, first: number, count: number): CachePage[] {
    const pages: CachePage[] = [];
    for (let page = this.#lookup(inode, first); page; page = this.#lookup(inode, first + pages.length)) {
      pages.push(page);
      if (pages.length === count) break;
    }
    return pages;
  }

  /** How many pages from `index` on, before `end`, are not cached. */
  #missesFrom(inode: string, index: number, end: number): number {
    let misses = 0;
    while (index + misses < end && !this.#lru.has(pageKey(inode, index + misses))) misses++;
    return misses;
  }

  /** Fills pages [index, index + count) from one disk read; fewer when the budget allows fewer. */
  async #fill(inode: string, index: number, count: number, read: PageReader): Promise<CachePage[]> {
    const bytes = await read(index * PAGE_SIZE, count * PAGE_SIZE);
    const gpfns = await this.#takeFrames(count);
    this.#misses += gpfns.length;
    try {
      // Fresh frames are zeros: bytes past the end of file need no writing. On shm this is one
      // positioned write per run of consecutive machine frames, straight into shared memory.
      await this.memory.writeSpan(gpfns, bytes.subarray(0, gpfns.length * PAGE_SIZE));
    } catch (error) {
      await this.#freeFrames(gpfns);
      throw error;
    }
    return gpfns.map((gpfn, i) => {
      const page: CachePage = {
        inode,
        index: index + i,
        gpfn,
        grants: new Map(),
        granting: new Map(),
        pins: 1,
        reclaiming: false,
      };
      this.#lru.set(pageKey(inode, page.index), page);
      this.#pagesOf(inode).add(page);
      return page;
    });
  }

  /** Up to `wanted` frames within the budget, at least one, evicting first when the cache is full. */
  async #takeFrames(wanted: number): Promise<number[]> {
    for (;;) {
      const room = this.budgetFrames - this.#frames;
      const victims = room < wanted ? this.#victims(wanted - room) : [];
      if (victims.length === 0) {
        if (room <= 0) throw new PageCacheError("ENOMEM", `all ${this.budgetFrames} cache frames are in use`);
        return this.#populate(Math.min(wanted, room));
      }
      this.#evictions += victims.length;
      for (const victim of victims) this.#evict(victim);
      await Promise.all(victims.map((victim) => this.#reclaim(victim)));
    }
  }

  async #populate(count: number): Promise<number[]> {
    this.#frames += count;
    let gpfns: number[] = [];
    try {
      gpfns = await this.memory.populatePhysmap(count);
    } finally {
      this.#frames -= count - gpfns.length;
    }
    if (gpfns.length === 0) throw new PageCacheError("ENOMEM", "populate_physmap gave no frame");
    // Tell the frame map these are page cache (mem_annotate); not waited for: the hypervisor takes
    // a session's calls in order, so the note lands before any later decrease_reservation.
    this.annotate?.(gpfns).catch(() => undefined);
    return gpfns;
  }

  /** Least recently used first, and pages no guest maps before pages some guest does. */
  #victims(count: number): CachePage[] {
    const idle = [...this.#lru.values()].filter((page) => page.pins === 0);
    const unmapped = idle.filter((page) => page.grants.size === 0);
    const mapped = idle.filter((page) => page.grants.size > 0);
    return [...unmapped, ...mapped].slice(0, count);
  }

  #evict(page: CachePage): void {
    page.reclaiming = true;
    this.#lru.delete(pageKey(page.inode, page.index));
  }

  /** Ends the page's grants (revoking mapped ones), then frees its frame. */
  async #reclaim(page: CachePage): Promise<void> {
    await this.#grants.endAll(page);
    await this.#freeFrames([page.gpfn]);
    const pages = this.#byInode.get(page.inode);
    pages?.delete(page);
    if (pages?.size === 0) this.#byInode.delete(page.inode);
  }

  async #freeFrames(gpfns: readonly number[]): Promise<void> {
    await this.memory.decreaseReservation(gpfns);
    this.#frames -= gpfns.length;
  }

  /**
   * The file's pages, but not a forgotten one: that is a dead file's, whose inode number ext4
   * may already have given to a new file (a renamer's next `.tmp`, docs/chaos.md#bugs-found); a
   * guest still mapping it reads the dead file's bytes until it is revoked, as a mapping of an
   * unlinked file does on Linux.
   */
  #live(inode: string): CachePage[] {
    return [...(this.#byInode.get(inode) ?? [])].filter((page) => !this.#dead.has(page));
  }

  /**
   * Writes into a page's frame. An evicted page is still written while guests may map it (the
   * bytes must reach them until they are revoked); once they have let go its frame may be freed
   * under the write, which the hypervisor refuses (EINVAL) — nobody maps it then, so that is no
   * failure of the write.
   */
  async #writeFrame(page: CachePage, offset: number, bytes: Uint8Array): Promise<void> {
    try {
      await this.memory.write(page.gpfn, offset, bytes);
    } catch (error) {
      if (!page.reclaiming) throw error;
    }
  }

  #pagesOf(inode: string): Set<CachePage> {
    let pages = this.#byInode.get(inode);
    if (pages === undefined) {
      pages = new Set();
      this.#byInode.set(inode, pages);
    }
    return pages;
  }
}
