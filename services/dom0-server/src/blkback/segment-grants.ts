// The guest pages a request names, mapped into dom0. With persistent grants (both ends offer
// `feature-persistent`) each gref is mapped once, writable, and kept until the guest
// disconnects (up to MAX_PERSISTENT_GRANTS, Linux blkback's max_pgrants); otherwise every
// request maps its pages and unmaps them when it is answered.
import type { GrantMapping, XenDomain } from "@xenfs/libxen";

export const MAX_PERSISTENT_GRANTS = 1056;

export interface MappedSegments {
  /** dom0's gpfn of each gref, in order. */
  readonly gpfns: readonly number[];
  /** Unmaps what is not kept persistently. */
  release(): Promise<void>;
}

export class SegmentGrants {
  /** Kept mappings by gref; a promise while the map is under way, so two requests map it once. */
  readonly #kept = new Map<number, Promise<GrantMapping>>();
  #keptCount = 0;
  /** Grant map and unmap operations issued, for tests and metrics. */
  maps = 0;
  unmaps = 0;

  constructor(
    private readonly dom0: XenDomain,
    private readonly domid: number,
    readonly persistent: boolean,
  ) {}

  get kept(): number {
    return this.#keptCount;
  }

  /** Maps `grefs`; `readonly` when dom0 only reads them (a write's data), unless kept persistently. */
  async map(grefs: readonly number[], readonly: boolean): Promise<MappedSegments> {
    const gpfns: number[] = [];
    const temporary: GrantMapping[] = [];
    const release = async () => {
      for (const mapping of temporary.splice(0)) {
        this.unmaps++;
        await this.dom0.grants.unmapGrantRef(mapping.handle);
      }
    };
    try {
      for (const gref of grefs) {
        const kept = this.#kept.get(gref);
        if (kept) {
          gpfns.push((await kept).gpfn);
          continue;
        }
        const keep = this.persistent && this.#kept.size < MAX_PERSISTENT_GRANTS;
        this.maps++;
        const mapping = this.dom0.grants.mapGrantRef(this.domid, gref, { readonly: keep ? false : readonly });
        if (keep) {
          this.#kept.set(gref, mapping);
          mapping.then(
            () => this.#keptCount++,
            () => this.#kept.delete(gref),
          );
          gpfns.push((await mapping).gpfn);
        } else {
          const done = await mapping;
          temporary.push(done);
          gpfns.push(done.gpfn);
        }
      }
    } catch (error) {
      await release().catch(() => {});
      throw error;
    }
    return { gpfns, release };
  }

  /** The guest disconnected: every kept mapping goes. */
  async close(): Promise<void> {
    const kept = [...this.#kept.values()];
    this.#kept.clear();
    for (const settled of await Promise.allSettled(kept)) {
      if (settled.status !== "fulfilled") continue;
      this.unmaps++;
      await this.dom0.grants.unmapGrantRef(settled.value.handle).catch(() => {});
    }
    this.#keptCount = 0;
  }
}
