// A pool of the guest's own frames granted to the backend once and reused across requests, as
// blkfront keeps its persistent grants: argument pages (read-only: paths, write data) and result
// pages (writable: listings, link targets, copy-mode read data).
import type { XenDomain } from "@xenfs/libxen";

export interface GrantedPage {
  readonly gpfn: number;
  /** The grant the backend names the page by. */
  readonly gref: number;
}

export interface GrantedPagePoolOptions {
  readonly backendDomid: number;
  /** Read-only grants: the backend reads the page; otherwise it may write it. */
  readonly readonly: boolean;
  /** Most pages the pool grows to; acquirers beyond it wait. */
  readonly max: number;
}

interface Waiter {
  readonly count: number;
  readonly resolve: (pages: GrantedPage[]) => void;
  readonly reject: (error: Error) => void;
}

export class GrantedPagePool {
  readonly #free: GrantedPage[] = [];
  readonly #waiters: Waiter[] = [];
  #size = 0;
  #closed = false;

  constructor(
    private readonly domain: XenDomain,
    private readonly options: GrantedPagePoolOptions,
  ) {}

  /** Pages the pool has granted so far. */
  get size(): number {
    return this.#size;
  }

  /** Grants pages until the pool holds `count`, in one go: then no request waits to grow it. */
  async reserve(count: number): Promise<void> {
    const short = Math.min(count, this.options.max) - this.#size;
    if (short <= 0) return;
    this.#size += short;
    try {
      this.release(await this.#grant(short));
    } catch (error) {
      this.#size -= short;
      throw error;
    }
  }

  /** `count` pages for one request; give them back with `release`. */
  async acquire(count: number): Promise<GrantedPage[]> {
    if (count < 1 || count > this.options.max)
      throw new RangeError(`${count} pages from a pool of ${this.options.max}`);
    if (this.#closed) throw new Error("page pool closed");
    if (this.#waiters.length === 0) {
      if (this.#free.length >= count) return this.#free.splice(0, count);
      const short = count - this.#free.length;
      if (this.#size + short <= this.options.max) {
        this.#size += short;
        const taken = this.#free.splice(0);
        try {
          return [...taken, ...(await this.#grant(short))];
        } catch (error) {
          this.#size -= short;
          this.release(taken);
          throw error;
        }
      }
    }
    return new Promise((resolve, reject) => this.#waiters.push({ count, resolve, reject }));
  }

  release(pages: readonly GrantedPage[]): void {
    this.#free.push(...pages);
    while (this.#waiters.length > 0 && this.#free.length >= (this.#waiters[0]?.count ?? 0)) {
      const waiter = this.#waiters.shift() as Waiter;
      waiter.resolve(this.#free.splice(0, waiter.count));
    }
  }

  /** Ends access to every free page and gives the frames back; waiters fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error("page pool closed"));
    const pages = this.#free.splice(0);
    await Promise.all(pages.map((page) => this.domain.grants.endAccess(page.gref)));
    if (pages.length > 0) await this.domain.memory.decreaseReservation(pages.map((page) => page.gpfn));
  }

  async #grant(count: number): Promise<GrantedPage[]> {
    const gpfns = await this.domain.memory.populatePhysmap(count);
    const { backendDomid, readonly } = this.options;
    return Promise.all(
      gpfns.map(async (gpfn) => ({
        gpfn,
        gref: await this.domain.grants.grantAccess(backendDomid, gpfn, { readonly }),
      })),
    );
  }
}
