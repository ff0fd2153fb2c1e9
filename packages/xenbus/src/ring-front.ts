// The frontend's half of a split driver's transport: a ring on frames of its own (one, or 2^order
// for a multi-page ring), each granted to the backend, and an unbound event channel the backend
// binds.
import { type FramePage, type XenDomain, XenError } from "@xenfs/libxen";
import { FrontRing, PageSpan, type RingPage, type RingTypes } from "@xenfs/ring";
import { drainOnEvents } from "./drain-loop.js";
import { finalCheckForResponses, pushRequestsAndCheckNotify } from "./ring-barriers.js";
import { ringKeys } from "./ring-keys.js";
import { tolerate } from "./tolerate.js";
import { WriteCombiningPage } from "./write-combining-page.js";

export class RingFront<Req, Rsp> {
  #detach: (() => void) | undefined;

  private constructor(
    private readonly domain: XenDomain,
    private readonly page: WriteCombiningPage,
    private readonly gpfns: readonly number[],
    readonly ring: FrontRing<Req, Rsp>,
    /** The grant reference of each page, in address order: `ring-ref`, or `ring-ref0` …. */
    readonly ringRefs: readonly number[],
    /** The unbound port published as `event-channel`. */
    readonly port: number,
  ) {}

  /**
   * Populates `types.pages` frames, initialises the ring on them, grants each (writable) and
   * allocates the port.
   */
  static async create<Req, Rsp>(
    domain: XenDomain,
    backendDomid: number,
    types: RingTypes<Req, Rsp>,
  ): Promise<RingFront<Req, Rsp>> {
    await ensureGrantTable(domain);
    const gpfns = await domain.memory.populatePhysmap(types.pages);
    if (gpfns.length !== types.pages) {
      if (gpfns.length > 0) await domain.memory.decreaseReservation(gpfns);
      throw XenError.errno("ENOMEM", "populate_physmap", `no ${types.pages} frames for the ring`);
    }
    const ringRefs: number[] = [];
    try {
      // For the frame map only (mem_annotate): the frames are RAM to Xen either way.
      await domain.annotate(gpfns, "ring");
      const frames = await Promise.all(gpfns.map((gpfn) => domain.memory.page(gpfn)));
      const page = new WriteCombiningPage(spanOf(frames), domain.memory);
      const ring = FrontRing.init(page, types);
      // SHARED_RING_INIT reaches the frames before the backend can map them.
      await page.barrier();
      for (const gpfn of gpfns) ringRefs.push(await domain.grants.grantAccess(backendDomid, gpfn));
      const port = await domain.events.allocUnbound(backendDomid);
      return new RingFront(domain, page, gpfns, ring, ringRefs, port);
    } catch (error) {
      for (const ref of ringRefs) await tolerate(domain.grants.endAccess(ref));
      await domain.memory.decreaseReservation(gpfns);
      throw error;
    }
  }

  /** The grant reference of the first (or only) page. */
  get ringRef(): number {
    return this.ringRefs[0] as number;
  }

  /** The keys to publish: `ring-ref` (or `ring-page-order` and `ring-ref<i>`) and `event-channel`. */
  keys(): Record<string, string> {
    return ringKeys(this.ringRefs, this.port);
  }

  /** Publishes produced requests; notifies the backend if it asked to be woken by them. */
  async push(): Promise<void> {
    if (await pushRequestsAndCheckNotify(this.ring, () => this.page.barrier()))
      await this.domain.events.send(this.port);
  }

  /**
   * Runs `handler` (which consumes responses) on each event and whenever the final check finds
   * more; once right away for responses that came before. One handler per ring.
   */
  onResponses(handler: () => void): void {
    this.#detach?.();
    this.#detach = drainOnEvents(this.domain, this.port, handler, () =>
      finalCheckForResponses(this.ring, () => this.page.barrier()),
    );
  }

  /**
   * Closes the port, ends the grants and frees the frames. A backend that still has a frame
   * mapped keeps it (end_access is refused): that frame stays granted rather than be reused
   * under a live mapping, as Linux defers such frees.
   */
  async destroy(): Promise<void> {
    this.#detach?.();
    this.#detach = undefined;
    await tolerate(this.domain.events.close(this.port));
    const freed: number[] = [];
    for (const [i, ref] of this.ringRefs.entries()) {
      if (await tolerate(this.domain.grants.endAccess(ref))) freed.push(this.gpfns[i] as number);
    }
    if (freed.length > 0) await tolerate(this.domain.memory.decreaseReservation(freed));
  }
}

/** One frame as it is; the frames of a multi-page ring as one span. */
export function spanOf(frames: readonly FramePage[]): RingPage {
  return frames.length === 1 ? (frames[0] as FramePage) : new PageSpan(frames);
}

/** A domain needs a grant table before its first grant; one frame (512 entries) is plenty here. */
async function ensureGrantTable(domain: XenDomain): Promise<void> {
  if (domain.grants.nrEntries === 0) await domain.grants.setup(1);
}
