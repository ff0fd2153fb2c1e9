// The guest's data and indirect pages. With persistent grants each page is granted to the
// backend once, writable, and reused from a LIFO free list (blkif.h's advice, so a backend that
// keeps fewer mappings keeps the hot ones); without, the frames are reused but each request
// grants its pages and ends the grants when answered.
import type { XenDomain } from "@xenfs/libxen";
import { BlkError } from "./errors.js";

export interface PoolPage {
  readonly gpfn: number;
  /** The page's grant to the backend (for a non-persistent page, while it is taken). */
  gref: number;
}

export class PagePool {
  readonly #free: PoolPage[] = [];
  readonly #waiters: (() => void)[] = [];
  #total = 0;
  #closed = false;
  /** Grant and end-of-grant operations issued, for tests. */
  grants = 0;
  ends = 0;

  constructor(
    private readonly domain: XenDomain,
    private readonly backendDomid: number,
    readonly persistent: boolean,
    /** The most pages the pool holds; a request waits for pages when all are taken. */
    readonly maxPages: number,
  ) {}

  /** Pages in the pool (free or taken). */
  get size(): number {
    return this.#total;
  }

  /** `count` pages, granted; `readonly` grants (for a write's data) when not persistent. */
  async take(count: number, readonly: boolean): Promise<PoolPage[]> {
    if (count > this.maxPages) throw new BlkError("EINVAL", `${count} pages > the pool's ${this.maxPages}`);
    for (;;) {
      if (this.#closed) throw new BlkError("ESHUTDOWN", "vbd closed");
      const have = Math.min(count, this.#free.length);
      if (this.#total + count - have <= this.maxPages) {
        // Free pages are taken before any await, so a concurrent take cannot take them too.
        const pages = this.#free.splice(this.#free.length - have, have);
        try {
          if (count > have) pages.push(...(await this.#grow(count - have)));
          if (!this.persistent) {
            const refs = await this.domain.grants.grantAccessMany(
              this.backendDomid,
              pages.map((p) => p.gpfn),
              { readonly },
            );
            this.grants += refs.length;
            refs.forEach((ref, i) => {
              (pages[i] as PoolPage).gref = ref;
            });
          }
        } catch (error) {
          this.#free.push(...pages);
          throw error;
        }
        return pages;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Back to the pool (most recently used on top); a non-persistent page's grant ends first. */
  async give(pages: readonly PoolPage[]): Promise<void> {
    if (this.#closed) {
      // Taken before the pool closed (its backend went): their grants end and the frames go.
      const freed: number[] = [];
      for (const page of pages) {
        try {
          await this.domain.grants.endAccess(page.gref);
          this.ends++;
          freed.push(page.gpfn);
        } catch {
          // still mapped by a backend that has not let go
        }
      }
      if (freed.length > 0) await this.domain.memory.decreaseReservation(freed).catch(() => 0);
      return;
    }
    if (!this.persistent) {
      for (const page of pages) {
        await this.domain.grants.endAccess(page.gref);
        this.ends++;
      }
    }
    this.#free.push(...pages);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** `count` new pages (granted, if persistent), counted in the pool from the start. */
  async #grow(count: number): Promise<PoolPage[]> {
    this.#total += count;
    try {
      const gpfns = await this.domain.memory.populatePhysmap(count);
      if (gpfns.length !== count) throw new BlkError("EIO", `no ${count} frames for vbd pages`);
      // On the frame map as the vbd's data pages (docs/observing.md#frame-map); a note only, so
      // a hypervisor refusing it costs the I/O nothing.
      await this.domain
        .annotate(gpfns, "io_buffer")
        .catch((error: Error) => this.domain.session.reportError(error));
      const pages: PoolPage[] = gpfns.map((gpfn) => ({ gpfn, gref: -1 }));
      if (this.persistent) {
        const refs = await this.domain.grants.grantAccessMany(this.backendDomid, gpfns);
        this.grants += refs.length;
        refs.forEach((ref, i) => {
          (pages[i] as PoolPage).gref = ref;
        });
      }
      return pages;
    } catch (error) {
      this.#total -= count;
      throw error;
    }
  }

  /**
   * Ends every persistent grant and frees the frames. A page the backend still maps stays granted
   * (its frame is not reused under a live mapping).
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#waiters.splice(0)) wake();
    const freed: number[] = [];
    for (const page of this.#free.splice(0)) {
      try {
        if (this.persistent) {
          await this.domain.grants.endAccess(page.gref);
          this.ends++;
        }
        freed.push(page.gpfn);
      } catch {
        // still mapped by a backend that has not let go
      }
    }
    if (freed.length > 0) await this.domain.memory.decreaseReservation(freed).catch(() => 0);
  }
}
