// The host's one page cache: (inode, page index) → a frame dom0 owns, filled from disk once and
// granted read-only to every guest that maps it. dom0 is the only writer of these frames, so a
// write updates them in place and frame coherence carries the bytes to every guest holding them.
import { type GrantTable, type Memory, XenError } from "@xenfs/libxen";
import type { GrantReaper } from "../grants/grant-reaper.js";
import { type CachePage, PAGE_SIZE, pageKey, pageSpan } from "./cache-page.js";
import { PageCacheError } from "./errors.js";
import type { InodeLocks } from "./inode-locks.js";

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
  /** Every page of an inode, live or being reclaimed: writes must reach both. */
  readonly #byInode = new Map<string, Set<CachePage>>();
  /** Grants by guest: ref → page, to honour release_pages and a guest's departure. */
  readonly #byGuest = new Map<number, Map<number, CachePage>>();
  /** Reclaims running in the background (unlinked files); awaited on close. */
  readonly #background = new Set<Promise<void>>();
  #frames = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(
    private readonly memory: Memory,
    private readonly grants: GrantTable,
    private readonly reaper: GrantReaper,
    private readonly locks: InodeLocks,
    readonly budgetFrames: number,
  ) {}

  /**
   * The page `index` of `inode`, pinned: `unpin` it when done. A miss reads the disk (before a
   * frame is taken, so a failed read changes nothing) under the inode's lock.
   */
  async acquire(inode: string, index: number, read: PageReader): Promise<CachePage> {
    const hit = this.#lookup(inode, index);
    if (hit) return hit;
    return this.locks.run(inode, async () => {
      const raced = this.#lookup(inode, index);
      if (raced) return raced;
      this.#misses += 1;
      const bytes = await read(index * PAGE_SIZE, PAGE_SIZE);
      const gpfn = await this.#takeFrame();
      try {
        // The whole frame: bytes past end of file read as zeros, as in Linux's page cache.
        const content = new Uint8Array(PAGE_SIZE);
        content.set(bytes.subarray(0, PAGE_SIZE));
        await this.memory.write(gpfn, 0, content);
      } catch (error) {
        await this.#freeFrame(gpfn);
        throw error;
      }
      const page: CachePage = { inode, index, gpfn, grants: new Map(), pins: 1, reclaiming: false };
      this.#lru.set(pageKey(inode, index), page);
      this.#pagesOf(inode).add(page);
      return page;
    });
  }

  unpin(page: CachePage): void {
    page.pins = Math.max(0, page.pins - 1);
  }

  /** The read-only grant of `page` to `domid`: one per (frame, guest), reused while it lives. */
  async grantTo(page: CachePage, domid: number): Promise<number> {
    const held = page.grants.get(domid);
    if (held !== undefined) return held;
    const ref = await this.#grant(page.gpfn, domid);
    if (page.reclaiming) {
      // Evicted while the grant was being made: hand nothing out of a frame on its way out.
      await this.reaper.end(ref);
      throw new PageCacheError("ENOMEM", "page evicted while being granted");
    }
    page.grants.set(domid, ref);
    this.#guestRefs(domid).set(ref, page);
    return ref;
  }

  /** A guest unmapped these grants (release_pages). Refs it was never given change nothing. */
  async release(domid: number, refs: readonly number[]): Promise<void> {
    const mine = this.#byGuest.get(domid);
    const ends = refs.flatMap((ref) => {
      const page = mine?.get(ref);
      if (page === undefined) return [];
      mine?.delete(ref);
      page.grants.delete(domid);
      return [this.reaper.end(ref)];
    });
    await Promise.all(ends);
  }

  /** A guest went away (or disconnected): end every grant it was given. */
  async releaseGuest(domid: number): Promise<void> {
    const mine = this.#byGuest.get(domid);
    this.#byGuest.delete(domid);
    const ends = [...(mine ?? [])].map(([ref, page]) => {
      page.grants.delete(domid);
      return this.reaper.end(ref);
    });
    await Promise.allSettled(ends);
  }

  /** Grants held by a guest. */
  grantsOf(domid: number): number {
    return this.#byGuest.get(domid)?.size ?? 0;
  }

  /**
   * Puts bytes just written to disk at `position` into every cached frame of the file (call
   * under the inode's lock). Uncached pages are left to be filled from disk later.
   */
  async written(inode: string, position: number, data: Uint8Array): Promise<void> {
    const { first, end } = pageSpan(position, data.length);
    const writes = [...(this.#byInode.get(inode) ?? [])]
      .filter((page) => page.index >= first && page.index < end)
      .map((page) => {
        const start = Math.max(position, page.index * PAGE_SIZE);
        const stop = Math.min(position + data.length, (page.index + 1) * PAGE_SIZE);
        return this.memory.write(
          page.gpfn,
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
    const work = [...(this.#byInode.get(inode) ?? [])].map(async (page) => {
      const start = page.index * PAGE_SIZE;
      if (start + PAGE_SIZE <= size) return;
      const from = Math.max(0, size - start);
      if (from === 0 && page.grants.size === 0 && page.pins === 0 && !page.reclaiming) {
        this.#evict(page);
        return this.#reclaim(page);
      }
      return this.memory.write(page.gpfn, from, ZERO_PAGE.subarray(from));
    });
    await Promise.all(work);
  }

  /**
   * The inode lost its last name: its number may come back for a new file, so its pages leave
   * the index now and their frames go once their guests have unmapped them.
   */
  forget(inode: string): void {
    for (const page of this.#byInode.get(inode) ?? []) {
      if (page.reclaiming) continue;
      this.#evict(page);
      // A grant that cannot be ended keeps its frame counted against the budget; nothing else
      // can be done for it, and the caller (an unlink) has already succeeded.
      const reclaim = this.#reclaim(page).catch(() => {});
      this.#background.add(reclaim);
      void reclaim.finally(() => this.#background.delete(reclaim));
    }
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
    const pages = [...this.#lru.values()];
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

  /** A frame within the budget, evicting first when the cache is full. */
  async #takeFrame(): Promise<number> {
    while (this.#frames >= this.budgetFrames) {
      const victim = this.#victim();
      if (victim === undefined) {
        throw new PageCacheError("ENOMEM", `all ${this.budgetFrames} cache frames are in use`);
      }
      this.#evictions += 1;
      this.#evict(victim);
      await this.#reclaim(victim);
    }
    this.#frames += 1;
    try {
      const [gpfn] = await this.memory.populatePhysmap(1);
      if (gpfn === undefined) throw new PageCacheError("ENOMEM", "populate_physmap gave no frame");
      return gpfn;
    } catch (error) {
      this.#frames -= 1;
      throw error;
    }
  }

  /** Least recently used first, and pages no guest maps before pages some guest does. */
  #victim(): CachePage | undefined {
    let granted: CachePage | undefined;
    for (const page of this.#lru.values()) {
      if (page.pins > 0) continue;
      if (page.grants.size === 0) return page;
      granted ??= page;
    }
    return granted;
  }

  #evict(page: CachePage): void {
    page.reclaiming = true;
    this.#lru.delete(pageKey(page.inode, page.index));
  }

  /** Ends the page's grants (revoking mapped ones), then frees its frame. */
  async #reclaim(page: CachePage): Promise<void> {
    const ends = [...page.grants].map(([domid, ref]) => {
      page.grants.delete(domid);
      this.#byGuest.get(domid)?.delete(ref);
      return this.reaper.end(ref);
    });
    await Promise.all(ends);
    await this.#freeFrame(page.gpfn);
    const pages = this.#byInode.get(page.inode);
    pages?.delete(page);
    if (pages?.size === 0) this.#byInode.delete(page.inode);
  }

  async #freeFrame(gpfn: number): Promise<void> {
    await this.memory.decreaseReservation([gpfn]);
    this.#frames -= 1;
  }

  /** Grants the frame; when dom0's table is full, takes refs back from the coldest mapped page. */
  async #grant(gpfn: number, domid: number): Promise<number> {
    try {
      return await this.grants.grantAccess(domid, gpfn, { readonly: true });
    } catch (error) {
      if (!(error instanceof XenError && error.code === "ENOSPC")) throw error;
      const victim = [...this.#lru.values()].find((page) => page.pins === 0 && page.grants.size > 0);
      if (victim === undefined) throw new PageCacheError("ENOMEM", "dom0's grant table is full");
      this.#evictions += 1;
      this.#evict(victim);
      await this.#reclaim(victim);
      return this.grants.grantAccess(domid, gpfn, { readonly: true });
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

  #guestRefs(domid: number): Map<number, CachePage> {
    let refs = this.#byGuest.get(domid);
    if (refs === undefined) {
      refs = new Map();
      this.#byGuest.set(domid, refs);
    }
    return refs;
  }
}
