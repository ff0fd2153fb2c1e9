// The frontend's half of a split driver's transport: a ring on a frame of its own, granted to
// the backend, and an unbound event channel the backend binds.
import { type XenDomain, XenError } from "@xenfs/libxen";
import { FrontRing, type RingTypes } from "@xenfs/ring";
import { DrainLoop } from "./drain-loop.js";
import { finalCheckForResponses, pushRequestsAndCheckNotify } from "./ring-barriers.js";
import { tolerate } from "./tolerate.js";
import { WriteCombiningPage } from "./write-combining-page.js";

export class RingFront<Req, Rsp> {
  #detach: (() => void) | undefined;

  private constructor(
    private readonly domain: XenDomain,
    private readonly page: WriteCombiningPage,
    readonly ring: FrontRing<Req, Rsp>,
    /** The grant reference published as `ring-ref`. */
    readonly ringRef: number,
    /** The unbound port published as `event-channel`. */
    readonly port: number,
  ) {}

  /** Populates a frame, initialises the ring on it, grants it (writable) and allocates the port. */
  static async create<Req, Rsp>(
    domain: XenDomain,
    backendDomid: number,
    types: RingTypes<Req, Rsp>,
  ): Promise<RingFront<Req, Rsp>> {
    await ensureGrantTable(domain);
    const [gpfn] = await domain.memory.populatePhysmap(1);
    if (gpfn === undefined) throw XenError.errno("ENOMEM", "populate_physmap", "no frame for the ring");
    try {
      const page = new WriteCombiningPage(await domain.memory.page(gpfn), domain.memory);
      const ring = FrontRing.init(page, types);
      // SHARED_RING_INIT reaches the frame before the backend can map it.
      await page.barrier();
      const ringRef = await domain.grants.grantAccess(backendDomid, gpfn);
      const port = await domain.events.allocUnbound(backendDomid).catch(async (error: unknown) => {
        await domain.grants.endAccess(ringRef);
        throw error;
      });
      return new RingFront(domain, page, ring, ringRef, port);
    } catch (error) {
      await domain.memory.decreaseReservation([gpfn]);
      throw error;
    }
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
    const loop = new DrainLoop(
      handler,
      () => finalCheckForResponses(this.ring, () => this.page.barrier()),
      (error) => this.domain.session.reportError(error),
    );
    this.#detach = this.domain.events.on(this.port, () => loop.kick());
    loop.kick();
  }

  /**
   * Closes the port, ends the grant and frees the frame. A backend that still has the frame
   * mapped keeps it (end_access is refused): the frame stays granted rather than be reused
   * under a live mapping, as Linux defers such frees.
   */
  async destroy(): Promise<void> {
    this.#detach?.();
    this.#detach = undefined;
    await tolerate(this.domain.events.close(this.port));
    const ended = await tolerate(this.domain.grants.endAccess(this.ringRef));
    if (ended) await tolerate(this.domain.memory.decreaseReservation([this.page.frame.gpfn]));
  }
}

/** A domain needs a grant table before its first grant; one frame (512 entries) is plenty here. */
async function ensureGrantTable(domain: XenDomain): Promise<void> {
  if (domain.grants.nrEntries === 0) await domain.grants.setup(1);
}
