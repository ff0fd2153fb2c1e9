// The pages of dom0's page cache this guest has mapped, by (inode, page index). Mappings are
// kept (read-only) so later reads need no request: dom0 writes its cache frames in place, which
// on shm are the very bytes the guest reads (on socket, frame coherence keeps the guest's copy
// current), so a page held is a page up to date. The table
// is bounded and drops the least recently used, telling dom0 with release_pages. A revoke upcall
// unmaps at once.
//
// cow mode (docs/xenfs.md#cow-mode): pages are mapped copy-to-write, since a file's unchanged
// pages are the base's frames every guest maps. After dom0 has the guest's write, the guest
// writes its own held pages too: the first write to a page takes the Copy-To-Write fault (a
// private frame, charged to the guest), the page stays held as the guest's own, and its grant
// goes back to dom0 at once. A map answered across such a write is not used (it may hold the
// base's bytes); a truncate drops the pages past the new end (dom0 cannot zero the base's frames).
//
// A page's release_pages and a map_pages covering it are never in flight together: dom0 could
// otherwise hand back the very grant it is ending, and the mapping would fail. A map waits for
// releases of its pages still under way, and pages a map is under way for are not dropped.
import { PAGE_SIZE } from "@xenfs/fsproto";
import type { GrantRevokeEvent, XenDomain } from "@xenfs/libxen";

/** The gref of a page that is the guest's own copy now (after the fault): nothing to release. */
export const PRIVATE_COPY = -1;

export interface HeldPage {
  /** PRIVATE_COPY once the guest wrote the page and has its own frame. */
  readonly gref: number;
  readonly handle: number;
  readonly gpfn: number;
}

export interface PageTableOptions {
  readonly backendDomid: number;
  readonly maxPages: number;
  /** dom0 may end access to these grants. */
  readonly release: (grefs: readonly number[]) => Promise<void>;
  readonly onError: (error: Error) => void;
  /** cow mode: map copy-to-write, so that the guest's writes give it private copies. */
  readonly copyToWrite?: boolean;
}

const keyOf = (ino: number, index: number) => `${ino}:${index}`;

export class PageTable {
  /** In least-recently-used order. */
  readonly #pages = new Map<string, HeldPage>();
  readonly #keyByHandle = new Map<number, string>();
  /** Pages a map is under way for, with how many maps: never dropped meanwhile. */
  readonly #mapping = new Map<string, number>();
  /** Pages whose release dom0 has not acknowledged yet. */
  readonly #releasing = new Map<string, Promise<void>>();
  /** cow: writes and truncates per file so far; a map answered across one is not used. */
  readonly #changes = new Map<number, number>();

  constructor(
    private readonly domain: XenDomain,
    private readonly options: PageTableOptions,
  ) {}

  get size(): number {
    return this.#pages.size;
  }

  has(ino: number, index: number): boolean {
    return this.#pages.has(keyOf(ino, index));
  }

  /** A held page, now the most recently used. */
  get(ino: number, index: number): HeldPage | undefined {
    const key = keyOf(ino, index);
    const page = this.#pages.get(key);
    if (page) {
      this.#pages.delete(key);
      this.#pages.set(key, page);
    }
    return page;
  }

  /**
   * Maps pages [first, first + n) of `ino` with the grants `fetch` obtains from dom0 (n of them,
   * fewer at end of file), all in one batch, and fetches their contents in another. A grant
   * that cannot be mapped (revoked meanwhile) leaves its page missing, to be asked for again.
   */
  async map(
    ino: number,
    first: number,
    count: number,
    fetch: () => Promise<readonly number[]>,
  ): Promise<void> {
    const keys = Array.from({ length: count }, (_, i) => keyOf(ino, first + i));
    for (let waits = this.#releasesOf(keys); waits.length > 0; waits = this.#releasesOf(keys)) {
      await Promise.all(waits);
    }
    for (const key of keys) this.#mapping.set(key, (this.#mapping.get(key) ?? 0) + 1);
    // Room first: what dom0 grants this guest stays within the budget.
    const making = this.#trim();
    const changes = this.#changes.get(ino);
    try {
      const grefs = await fetch();
      const mapped = await Promise.all(grefs.map((gref, i) => this.#mapOne(keyOf(ino, first + i), gref)));
      const entries = mapped.filter((entry) => entry !== undefined);
      // The guest wrote or truncated the file meanwhile: these may be the base's bytes before it.
      if (this.#changes.get(ino) !== changes) await this.#drop(entries);
      else await this.#drop(this.#install(entries));
    } finally {
      for (const key of keys) {
        const maps = (this.#mapping.get(key) ?? 1) - 1;
        if (maps > 0) this.#mapping.set(key, maps);
        else this.#mapping.delete(key);
      }
    }
    await Promise.all([making, this.#trim()]);
  }

  /** read() into `target` at `at` without waiting: false when the page or its copy is not at hand. */
  readInto(page: HeldPage, offset: number, length: number, target: Uint8Array, at: number): boolean {
    if (!this.#keyByHandle.has(page.handle)) return false;
    return this.domain.memory.readHeld(page.gpfn, offset, length, target, at);
  }

  /**
   * Bytes of consecutive held pages, from `offset` in the first, copied straight from shared
   * memory with one positioned read per run of consecutive machine frames; false when a page is
   * not held (or the transport is socket), and nothing is copied.
   */
  readSpanInto(
    pages: readonly HeldPage[],
    offset: number,
    length: number,
    target: Uint8Array,
    at: number,
  ): boolean {
    if (!pages.every((page) => this.#keyByHandle.has(page.handle))) return false;
    const gpfns = pages.map((page) => page.gpfn);
    return this.domain.memory.readHeldSpan(gpfns, offset, length, target, at);
  }

  /** Bytes of a held page from the guest's coherent copy; undefined if it was taken away meanwhile. */
  async read(page: HeldPage, offset: number, length: number): Promise<Uint8Array | undefined> {
    if (!this.#keyByHandle.has(page.handle)) return undefined;
    try {
      return await this.domain.memory.read(page.gpfn, offset, length);
    } catch {
      // Revoked by force between the lookup and the read: refetch.
      this.#forget(page.handle);
      return undefined;
    }
  }

  /**
   * cow: the guest's write of `data` at `position`, acknowledged by dom0, into the pages it holds
   * of `ino`: each copy-to-write page takes the fault (a private frame) and becomes the guest's
   * own; its grant goes back to dom0.
   */
  async writeHeld(ino: number, position: number, data: Uint8Array): Promise<void> {
    this.#changes.set(ino, (this.#changes.get(ino) ?? 0) + 1);
    const first = Math.floor(position / PAGE_SIZE);
    const end = Math.ceil((position + data.length) / PAGE_SIZE);
    const faulted: HeldPage[] = [];
    await Promise.all(
      Array.from({ length: end - first }, async (_, i) => {
        const key = keyOf(ino, first + i);
        const page = this.#pages.get(key);
        if (!page) return;
        const start = Math.max(position, (first + i) * PAGE_SIZE);
        const stop = Math.min(position + data.length, (first + i + 1) * PAGE_SIZE);
        const copyToWrite = this.domain.memory.isCopyToWrite(page.gpfn);
        try {
          await this.domain.memory.write(
            page.gpfn,
            start % PAGE_SIZE,
            data.subarray(start - position, stop - position),
          );
        } catch {
          // Revoked by force meanwhile (or the fault found no room): refetched when read.
          if (this.#forget(page.handle)) await this.#unmap([page]);
          return;
        }
        if (!copyToWrite || page.gref === PRIVATE_COPY || this.#pages.get(key) !== page) return;
        this.#pages.set(key, { gref: PRIVATE_COPY, handle: page.handle, gpfn: page.gpfn });
        faulted.push(page);
      }),
    );
    if (faulted.length === 0) return;
    // The mapping no longer holds the grant (docs/design.md#copy-to-write): dom0 may end it.
    const held = this.#grefsHeld();
    const grefs = faulted.map((page) => page.gref).filter((gref) => !held.has(gref));
    if (grefs.length > 0) await this.options.release(grefs).catch(this.options.onError);
  }

  /** cow: `ino` was truncated to `size` bytes: held pages from the one the end is in are dropped. */
  async truncated(ino: number, size: number): Promise<void> {
    this.#changes.set(ino, (this.#changes.get(ino) ?? 0) + 1);
    const from = Math.floor(size / PAGE_SIZE);
    const victims = [...this.#pages].filter(([key]) => {
      const [pageIno, index] = key.split(":").map(Number) as [number, number];
      return pageIno === ino && index >= from;
    });
    await this.#drop(victims);
  }

  /** dom0 wants a page back: unmap at once (unless it was taken already). Returns whether it was ours. */
  onRevoke(event: GrantRevokeEvent): boolean {
    if (event.dom !== this.options.backendDomid || !this.#forget(event.handle)) return false;
    if (!event.forced) this.domain.grants.unmapGrantRef(event.handle).catch(this.options.onError);
    return true;
  }

  /** Unmaps everything; `release` tells dom0 (not when the dom0 that granted them is gone). */
  async clear(release: boolean): Promise<void> {
    const pages = [...this.#pages];
    if (release) await this.#drop(pages);
    else {
      for (const [, page] of pages) this.#forget(page.handle);
      await this.#unmap(pages.map(([, page]) => page));
    }
  }

  /** The page mapped from `gref`, its contents fetched; the page held already if the grant is the same. */
  async #mapOne(key: string, gref: number): Promise<[string, HeldPage] | undefined> {
    const held = this.#pages.get(key);
    if (held?.gref === gref) return undefined;
    let page: HeldPage;
    try {
      const { handle, gpfn } = await this.domain.grants.mapGrantRef(
        this.options.backendDomid,
        gref,
        this.options.copyToWrite ? { copyToWrite: true } : { readonly: true },
      );
      page = { gref, handle, gpfn };
    } catch {
      return undefined;
    }
    this.#keyByHandle.set(page.handle, key);
    // Taken by force meanwhile: the read that needs it finds out and asks again.
    await this.domain.memory.page(page.gpfn).catch(() => {});
    return [key, page];
  }

  /** Puts mapped pages in the table; returns the pages they replace, to be dropped. */
  #install(mapped: readonly [string, HeldPage][]): [string, HeldPage][] {
    const replaced: [string, HeldPage][] = [];
    for (const [key, page] of mapped) {
      // Revoked while its contents were on the way: leave it missing.
      if (!this.#keyByHandle.has(page.handle)) continue;
      const now = this.#pages.get(key);
      if (now) replaced.push([key, now]);
      this.#pages.delete(key);
      this.#pages.set(key, page);
    }
    return replaced;
  }

  /**
   * Drops the least recently used pages over the budget, except those a map is under way for.
   * Pages being mapped count against it: dom0 has granted them already.
   */
  async #trim(): Promise<void> {
    const coming = [...this.#mapping.keys()].filter((key) => !this.#pages.has(key)).length;
    let excess = this.#pages.size + coming - this.options.maxPages;
    const victims: [string, HeldPage][] = [];
    for (const entry of this.#pages) {
      if (excess <= 0) break;
      if (this.#mapping.has(entry[0])) continue;
      victims.push(entry);
      excess--;
    }
    await this.#drop(victims);
  }

  async #drop(pages: readonly [string, HeldPage][]): Promise<void> {
    if (pages.length === 0) return;
    for (const [, page] of pages) this.#forget(page.handle);
    const released = this.#release(pages.map(([, page]) => page));
    for (const [key] of pages) this.#releasing.set(key, released);
    try {
      await released;
    } finally {
      for (const [key] of pages) if (this.#releasing.get(key) === released) this.#releasing.delete(key);
    }
  }

  async #release(pages: readonly HeldPage[]): Promise<void> {
    await this.#unmap(pages);
    // A grant still mapped for another page (cow: a base page under the base's inode and the
    // copied-up file's) is not released, nor a private copy's (it has none).
    const held = this.#grefsHeld();
    const grefs = pages.map((p) => p.gref).filter((gref) => gref !== PRIVATE_COPY && !held.has(gref));
    if (grefs.length > 0) await this.options.release(grefs).catch(this.options.onError);
  }

  async #unmap(pages: readonly HeldPage[]): Promise<void> {
    await Promise.all(
      pages.map((page) => this.domain.grants.unmapGrantRef(page.handle).catch(this.options.onError)),
    );
  }

  #grefsHeld(): Set<number> {
    return new Set([...this.#pages.values()].map((p) => p.gref));
  }

  #releasesOf(keys: readonly string[]): Promise<void>[] {
    return keys.flatMap((key) => this.#releasing.get(key) ?? []);
  }

  #forget(handle: number): boolean {
    const key = this.#keyByHandle.get(handle);
    if (key === undefined) return false;
    this.#keyByHandle.delete(handle);
    if (this.#pages.get(key)?.handle === handle) this.#pages.delete(key);
    return true;
  }
}
