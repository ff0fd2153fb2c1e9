// Bytes in and out of the pages a guest grants for one request (paths, listings, gref lists),
// by GNTTABOP_copy through a bounce frame of dom0's: nothing of the guest stays mapped.
import { type GrefSet, grefListCodec, type PageArg, pathCodec } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import { XenfsRequestError } from "./errors.js";

const NO_BYTES = new Uint8Array(0);

export class GuestPages {
  private constructor(
    private readonly dom0: XenDomain,
    readonly domid: number,
    /** One frame per guest: a guest's requests are served one at a time. */
    private readonly bounce: number,
  ) {}

  static async create(dom0: XenDomain, domid: number): Promise<GuestPages> {
    const [bounce] = await dom0.memory.populatePhysmap(1);
    if (bounce === undefined) throw new XenfsRequestError("ENOMEM", "no bounce frame");
    return new GuestPages(dom0, domid, bounce);
  }

  /** The first `length` bytes of the guest's page `ref`. */
  async read(ref: number, length: number): Promise<Uint8Array> {
    if (length === 0) return NO_BYTES;
    await this.dom0.grants.copy(
      { ref, domid: this.domid, offset: 0 },
      { gpfn: this.bounce, offset: 0 },
      length,
    );
    return this.dom0.memory.read(this.bounce, 0, length);
  }

  /** Puts `bytes` at the start of the guest's page `ref`. */
  async write(ref: number, bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    await this.dom0.memory.write(this.bounce, 0, bytes);
    await this.dom0.grants.copy(
      { gpfn: this.bounce, offset: 0 },
      { ref, domid: this.domid, offset: 0 },
      bytes.length,
    );
  }

  /** A path argument, decoded (and so checked) only after it was copied out of the guest's page. */
  async path(arg: PageArg): Promise<string> {
    return pathCodec.decode(await this.read(arg.gref, arg.length));
  }

  /** The grant refs of a request's data pages, inline or from its indirect gref-list page. */
  async refs(set: GrefSet): Promise<readonly number[]> {
    if ("grefs" in set) return set.grefs;
    const refs = grefListCodec.decode(await this.read(set.listGref, 4 + 4 * set.count));
    if (refs.length !== set.count) {
      throw new XenfsRequestError(
        "EINVAL",
        `gref list holds ${refs.length} refs, the request says ${set.count}`,
      );
    }
    return refs;
  }

  async close(): Promise<void> {
    await this.dom0.memory.decreaseReservation([this.bounce]);
  }
}
