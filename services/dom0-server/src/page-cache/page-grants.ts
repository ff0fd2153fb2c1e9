// The read-only grants of cache frames to guests: one per (frame, guest), reused while the page
// lives. dom0's grant table cannot grow past the hypervisor's maximum, so when too few refs are
// free for a batch, the least recently used grants no request is using are ended (revoked if
// mapped) to make room: a guest refetches such a page on its next access.
import { type GrantTable, XenError } from "@xenfs/libxen";
import type { GrantReaper } from "../grants/grant-reaper.js";
import type { CachePage } from "./cache-page.js";
import { PageCacheError } from "./errors.js";

/** Part of the table freed at least per reclaim (a frame of the usual 32), so reclaims stay rare. */
const RECLAIM_SHARE = 1 / 32;

export class PageGrants {
  /** Grants by guest: ref → page, to honour release_pages and a guest's departure. */
  readonly #byGuest = new Map<number, Map<number, CachePage>>();
  /** One reclaim at a time; batches short of refs meanwhile wait for it. */
  #reclaiming: Promise<number> | undefined;

  constructor(
    private readonly grants: GrantTable,
    private readonly reaper: GrantReaper,
    /** Cached pages, least recently used first. */
    private readonly byAge: () => Iterable<CachePage>,
  ) {}

  /** The grants of `pages` to `domid`, made together so they leave as one multicall frame. */
  async grantAll(pages: readonly CachePage[], domid: number): Promise<number[]> {
    const ungranted = () => pages.filter((page) => !page.grants.has(domid) && !page.granting.has(domid));
    await this.#reserve(ungranted().length);
    // The entries written together, one write per run of refs; short of refs, one at a time.
    const fresh = ungranted();
    if (fresh.length > 1 && fresh.length <= this.grants.freeRefs) {
      const refs = this.grants.grantAccessMany(
        domid,
        fresh.map((page) => page.gpfn),
        { readonly: true },
      );
      for (const [i, page] of fresh.entries()) {
        const granting = refs
          .then((all) => this.#granted(page, domid, all[i] as number))
          .finally(() => page.granting.delete(domid));
        page.granting.set(domid, granting);
      }
    }
    return Promise.all(pages.map((page) => this.grantTo(page, domid)));
  }

  grantTo(page: CachePage, domid: number): Promise<number> {
    const held = page.grants.get(domid);
    if (held !== undefined) return Promise.resolve(held);
    let granting = page.granting.get(domid);
    if (granting === undefined) {
      granting = this.#grant(page, domid).finally(() => page.granting.delete(domid));
      page.granting.set(domid, granting);
    }
    return granting;
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

  /** Ends every grant of a page leaving the cache. */
  async endAll(page: CachePage): Promise<void> {
    await Promise.all([...page.grants].map(([domid, ref]) => this.#end(page, domid, ref)));
  }

  grantsOf(domid: number): number {
    return this.#byGuest.get(domid)?.size ?? 0;
  }

  async #grant(page: CachePage, domid: number): Promise<number> {
    return this.#granted(page, domid, await this.#grantAccess(page.gpfn, domid));
  }

  /** Records a grant just made, unless the page was evicted meanwhile. */
  async #granted(page: CachePage, domid: number, ref: number): Promise<number> {
    if (page.reclaiming) {
      // Evicted while the grant was being made: hand nothing out of a frame on its way out.
      await this.reaper.end(ref);
      throw new PageCacheError("ENOMEM", "page evicted while being granted");
    }
    page.grants.set(domid, ref);
    this.#guestRefs(domid).set(ref, page);
    return ref;
  }

  /** A grant; when the table is full meanwhile (another batch took the refs), reclaims and retries. */
  async #grantAccess(gpfn: number, domid: number): Promise<number> {
    for (;;) {
      try {
        return await this.grants.grantAccess(domid, gpfn, { readonly: true });
      } catch (error) {
        if (!(error instanceof XenError && error.code === "ENOSPC")) throw error;
        if ((await this.#reclaim(1)) === 0) throw new PageCacheError("ENOMEM", "dom0's grant table is full");
      }
    }
  }

  /** Frees refs until `count` are free, or nothing more can be ended. */
  async #reserve(count: number): Promise<void> {
    while (this.grants.freeRefs < count) {
      if ((await this.#reclaim(count - this.grants.freeRefs)) === 0) return;
    }
  }

  /** Ends the oldest grants of pages no request is using; resolves with how many were ended. */
  #reclaim(count: number): Promise<number> {
    this.#reclaiming ??= this.#endOldest(
      Math.max(count, Math.ceil(this.grants.nrEntries * RECLAIM_SHARE)),
    ).finally(() => {
      this.#reclaiming = undefined;
    });
    return this.#reclaiming;
  }

  async #endOldest(count: number): Promise<number> {
    const ends: Promise<void>[] = [];
    for (const page of this.byAge()) {
      if (ends.length >= count) break;
      if (page.pins > 0 || page.granting.size > 0) continue;
      for (const [domid, ref] of page.grants) ends.push(this.#end(page, domid, ref));
    }
    // A grant that cannot be ended (stuck mapped) stays taken; the others are free again.
    await Promise.allSettled(ends);
    return ends.length;
  }

  #end(page: CachePage, domid: number, ref: number): Promise<void> {
    page.grants.delete(domid);
    this.#byGuest.get(domid)?.delete(ref);
    return this.reaper.end(ref);
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
