// The pages of dom0's page cache this guest has mapped, by (inode, page index). Mappings are
// kept (read-only) so later reads need no request: dom0 writes its cache frames in place and
// frame coherence keeps the guest's copy current, so a page held is a page up to date. The table
// is bounded and drops the least recently used, telling dom0 with release_pages. A revoke upcall
// unmaps at once.
import type { GrantRevokeEvent, XenDomain } from "@xenfs/libxen";

export interface HeldPage {
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
}

const keyOf = (ino: number, index: number) => `${ino}:${index}`;

export class PageTable {
  /** In least-recently-used order. */
  readonly #pages = new Map<string, HeldPage>();
  readonly #keyByHandle = new Map<number, string>();

  constructor(
    private readonly domain: XenDomain,
    private readonly options: PageTableOptions,
  ) {}

  get size(): number {
    return this.#pages.size;
  }

  get(ino: number, index: number): HeldPage | undefined {
    const key = keyOf(ino, index);
    const page = this.#pages.get(key);
    if (page) {
      this.#pages.delete(key);
      this.#pages.set(key, page);
    }
    return page;
  }

  /** Maps pages [first, first + grefs.length) of `ino`; a page already mapped from the same grant is kept. */
  async install(ino: number, first: number, grefs: readonly number[]): Promise<void> {
    const replaced: HeldPage[] = [];
    await Promise.all(
      grefs.map(async (gref, i) => {
        const key = keyOf(ino, first + i);
        const held = this.#pages.get(key);
        if (held?.gref === gref) return;
        const { handle, gpfn } = await this.domain.grants.mapGrantRef(this.options.backendDomid, gref, {
          readonly: true,
        });
        const now = this.#pages.get(key);
        if (now) replaced.push(now);
        this.#pages.delete(key);
        this.#pages.set(key, { gref, handle, gpfn });
        this.#keyByHandle.set(handle, key);
      }),
    );
    await this.#drop(replaced);
    const excess = this.#pages.size - this.options.maxPages;
    if (excess > 0) await this.#drop([...this.#pages.values()].slice(0, excess));
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

  /** dom0 wants a page back: unmap at once (unless it was taken already). Returns whether it was ours. */
  onRevoke(event: GrantRevokeEvent): boolean {
    if (event.dom !== this.options.backendDomid || !this.#forget(event.handle)) return false;
    if (!event.forced) this.domain.grants.unmapGrantRef(event.handle).catch(this.options.onError);
    return true;
  }

  /** Unmaps everything; `release` tells dom0 (not when the dom0 that granted them is gone). */
  async clear(release: boolean): Promise<void> {
    const pages = [...this.#pages.values()];
    if (release) await this.#drop(pages);
    else {
      for (const page of pages) this.#forget(page.handle);
      await this.#unmap(pages);
    }
  }

  async #drop(pages: readonly HeldPage[]): Promise<void> {
    if (pages.length === 0) return;
    for (const page of pages) this.#forget(page.handle);
    await this.#unmap(pages);
    // A grant still mapped for another page (not expected) is not released.
    const held = new Set([...this.#pages.values()].map((p) => p.gref));
    const grefs = pages.map((p) => p.gref).filter((gref) => !held.has(gref));
    if (grefs.length > 0) await this.options.release(grefs).catch(this.options.onError);
  }

  async #unmap(pages: readonly HeldPage[]): Promise<void> {
    await Promise.all(
      pages.map((page) => this.domain.grants.unmapGrantRef(page.handle).catch(this.options.onError)),
    );
  }

  #forget(handle: number): boolean {
    const key = this.#keyByHandle.get(handle);
    if (key === undefined) return false;
    this.#keyByHandle.delete(handle);
    if (this.#pages.get(key)?.handle === handle) this.#pages.delete(key);
    return true;
  }
}
