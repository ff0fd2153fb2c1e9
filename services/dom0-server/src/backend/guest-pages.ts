// Bytes in and out of the pages a guest grants for one request (paths, listings, gref lists),
// by GNTTABOP_copy through bounce frames of dom0's: nothing of the guest stays mapped. A guest's
// requests run concurrently, so each copy borrows a frame of a small set taken at connect.
import { type GrefSet, grefListBytes, grefListCodec, type PageArg, pathCodec } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import { XenfsRequestError } from "./errors.js";

const NO_BYTES = new Uint8Array(0);
/** Bounce frames per guest: copies in flight at once; more wait for a frame. */
const BOUNCE_FRAMES = 4;

export class GuestPages {
  readonly #free: number[];
  readonly #waiting: ((gpfn: number) => void)[] = [];

  private constructor(
    private readonly dom0: XenDomain,
    readonly domid: number,
    private readonly bounces: readonly number[],
  ) {
    this.#free = [...bounces];
  }

  static async create(dom0: XenDomain, domid: number): Promise<GuestPages> {
    const bounces = await dom0.memory.populatePhysmap(BOUNCE_FRAMES);
    if (bounces.length === 0) throw new XenfsRequestError("ENOMEM", "no bounce frame");
    return new GuestPages(dom0, domid, bounces);
  }

  /** The first `length` bytes of the guest's page `ref`. */
  async read(ref: number, length: number): Promise<Uint8Array> {
    if (length === 0) return NO_BYTES;
    return this.#withBounce(async (bounce) => {
      await this.dom0.grants.copy({ ref, domid: this.domid, offset: 0 }, { gpfn: bounce, offset: 0 }, length);
      return this.dom0.memory.read(bounce, 0, length);
    });
  }

  /** Puts `bytes` at the start of the guest's page `ref`. */
  async write(ref: number, bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    await this.#withBounce(async (bounce) => {
      await this.dom0.memory.write(bounce, 0, bytes);
      await this.dom0.grants.copy(
        { gpfn: bounce, offset: 0 },
        { ref, domid: this.domid, offset: 0 },
        bytes.length,
      );
    });
  }

  /** A path argument, decoded (and so checked) only after it was copied out of the guest's page. */
  async path(arg: PageArg): Promise<string> {
    return pathCodec.decode(await this.read(arg.gref, arg.length));
  }

  /** The grant refs of a request's data pages, inline or from its indirect gref-list page. */
  async refs(set: GrefSet): Promise<readonly number[]> {
    if ("grefs" in set) return set.grefs;
    const refs = grefListCodec.decode(await this.read(set.listGref, grefListBytes(set.count)));
    if (refs.length !== set.count) {
      throw new XenfsRequestError(
        "EINVAL",
        `gref list holds ${refs.length} refs, the request says ${set.count}`,
      );
    }
    return refs;
  }

  async close(): Promise<void> {
    await this.dom0.memory.decreaseReservation(this.bounces);
  }

  async #withBounce<T>(fn: (bounce: number) => Promise<T>): Promise<T> {
    const bounce = this.#free.pop() ?? (await new Promise<number>((resolve) => this.#waiting.push(resolve)));
    try {
      return await fn(bounce);
    } finally {
      const next = this.#waiting.shift();
      if (next) next(bounce);
      else this.#free.push(bounce);
    }
  }
}
