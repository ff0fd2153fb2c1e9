// memory.h XENMEM_sharing_op from the privileged domain's side (docs/design.md#copy-to-write):
// nominate a domain's page for sharing, and share two nominated pages with equal bytes. The
// hypervisor refuses it to any other domain (EPERM).
import { XENMEM_SHARING_OP } from "@xenfs/proto";
import type { XenSession } from "./session.js";

export interface Nominated {
  readonly domid: number;
  readonly gfn: number;
  /** Stale once the page is written, freed or transferred. */
  readonly handle: number;
  /** False until an shm domain has acknowledged that it stopped writing the page in place. */
  readonly ready: boolean;
}

export class MemSharing {
  constructor(private readonly session: XenSession) {}

  /** XENMEM_sharing_op_nominate_gfn. Asking again answers the same handle (and whether it is ready). */
  async nominateGfn(domid: number, gfn: number): Promise<Nominated> {
    const reply = await this.session.call({
      memSharingOp: { op: XENMEM_SHARING_OP.nominate_gfn, domain: domid, gfn },
    });
    const result = reply.memSharingOp;
    return { domid, gfn, handle: Number(result?.handle ?? 0), ready: result?.ready ?? false };
  }

  /**
   * XENMEM_sharing_op_share: `client`'s page becomes `source`'s frame (read-only, copy-to-write in
   * both); its own frame is freed. EINVAL when the bytes differ, EAGAIN before both are ready,
   * XENMEM_SHARING_OP_S/C_HANDLE_INVALID for a stale handle.
   */
  async share(source: Nominated, client: Nominated): Promise<void> {
    await this.session.call({
      memSharingOp: {
        op: XENMEM_SHARING_OP.share,
        domain: source.domid,
        gfn: source.gfn,
        handle: source.handle,
        clientDomain: client.domid,
        clientGfn: client.gfn,
        clientHandle: client.handle,
      },
    });
  }
}
