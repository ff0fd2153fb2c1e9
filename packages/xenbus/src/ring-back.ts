// The backend's half: the frontend's ring frames mapped writable (one, or 2^order for a
// multi-page ring), and its port bound.
import type { GrantMapping, XenDomain } from "@xenfs/libxen";
import { BackRing, type RingTypes } from "@xenfs/ring";
import { drainOnEvents } from "./drain-loop.js";
import { XenbusError } from "./errors.js";
import { finalCheckForRequests, pushResponsesAndCheckNotify } from "./ring-barriers.js";
import { spanOf } from "./ring-front.js";
import { tolerate } from "./tolerate.js";
import { WriteCombiningPage } from "./write-combining-page.js";

export class RingBack<Req, Rsp> {
  #detach: (() => void) | undefined;

  private constructor(
    private readonly domain: XenDomain,
    private readonly mappings: readonly GrantMapping[],
    private readonly page: WriteCombiningPage,
    readonly ring: BackRing<Req, Rsp>,
    /** This end's port, bound to the frontend's `event-channel`. */
    readonly port: number,
  ) {}

  /**
   * Maps `ringRef` of `frontendDomid` (or, for a multi-page ring, each of `ringRefs`, in address
   * order) and binds to its `remotePort`.
   */
  static async attach<Req, Rsp>(
    domain: XenDomain,
    frontendDomid: number,
    ringRef: number | readonly number[],
    remotePort: number,
    types: RingTypes<Req, Rsp>,
  ): Promise<RingBack<Req, Rsp>> {
    const refs = typeof ringRef === "number" ? [ringRef] : ringRef;
    if (refs.length !== types.pages) {
      throw new XenbusError("EPROTO", `${refs.length} ring grants for a ring of ${types.pages} pages`);
    }
    const mappings: GrantMapping[] = [];
    try {
      for (const ref of refs) mappings.push(await domain.grants.mapGrantRef(frontendDomid, ref));
      const frames = await Promise.all(mappings.map((mapping) => domain.memory.page(mapping.gpfn)));
      const page = new WriteCombiningPage(spanOf(frames), domain.memory);
      const ring = BackRing.attach(page, types);
      const port = await domain.events.bindInterdomain(frontendDomid, remotePort);
      return new RingBack(domain, mappings, page, ring, port);
    } catch (error) {
      for (const mapping of mappings) await tolerate(domain.grants.unmapGrantRef(mapping.handle));
      throw error;
    }
  }

  /** Publishes produced responses; notifies the frontend if it asked to be woken by them. */
  async push(): Promise<void> {
    if (await pushResponsesAndCheckNotify(this.ring, () => this.page.barrier()))
      await this.domain.events.send(this.port);
  }

  /** Runs `handler` (which consumes requests) on each event and after each final check that finds more. */
  onRequests(handler: () => void): void {
    this.#detach?.();
    this.#detach = drainOnEvents(this.domain, this.port, handler, () =>
      finalCheckForRequests(this.ring, () => this.page.barrier()),
    );
  }

  /** Unbinds and unmaps; a frontend that is already gone refuses nothing that matters. */
  async destroy(): Promise<void> {
    this.#detach?.();
    this.#detach = undefined;
    await tolerate(this.domain.events.close(this.port));
    for (const mapping of this.mappings) await tolerate(this.domain.grants.unmapGrantRef(mapping.handle));
  }
}
