// XENMEM_sharing_op's nominate_gfn and share (docs/design.md#copy-to-write): the privileged
// domain nominates domains' own RAM pages and merges pages with equal bytes into one frame owned
// by DOMID_COW, read-only and copy-to-write in every sharer. A handle is stale once the page was
// written (the fault clears it), freed or transferred (release clears it).
import { XEN_PAGE_SIZE, XENMEM_SHARING_OP_STATUS, type xen } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import { errno, HypercallError } from "../errors.js";
import type { Frame } from "./frame-pool.js";
import type { MachineMemory } from "./machine-memory.js";
import { P2m } from "./p2m.js";

export interface MemSharingDeps {
  readonly memory: MachineMemory;
  readonly upcall: (domain: Domain, upcall: xen.Upcall.$Properties) => void;
}

export interface Nomination {
  readonly handle: number;
  /** False while an shm domain has not yet acknowledged that it stops writing the page in place. */
  readonly ready: boolean;
}

function staleHandle(side: "S" | "C", message: string): HypercallError {
  const code = `${side}_HANDLE_INVALID` as const;
  return new HypercallError(`XENMEM_SHARING_OP_${code}`, XENMEM_SHARING_OP_STATUS[code], message);
}

export class MemSharing {
  #nextHandle = 1;
  /** Nominated frames whose shm domain has not acknowledged the frame_invalidate yet. */
  readonly #awaitingAck = new Set<Frame>();

  constructor(private readonly deps: MemSharingDeps) {}

  nominate(domain: Domain, gpfn: number): Nomination {
    const entry = P2m.valid(gpfn) ? domain.p2m.get(gpfn) : undefined;
    if (!entry || entry.foreign || entry.frame.type !== "ram")
      throw errno("EINVAL", `gfn ${gpfn} is not RAM of dom${domain.domid}`);
    const frame = entry.frame;
    if (this.deps.memory.shared.isShared(frame)) return { handle: frame.shareHandle, ready: true };
    if (frame.mapCount > 0) throw errno("EBUSY", `gfn ${gpfn} of dom${domain.domid} is mapped`);
    if (frame.shareHandle !== 0) return { handle: frame.shareHandle, ready: !this.#awaitingAck.has(frame) };
    const handle = this.#nextHandle++;
    frame.shareHandle = handle;
    domain.p2m.replace(gpfn, { frame, foreign: false, readonly: true, cow: true });
    if (domain.transport !== "shm") return { handle, ready: true };
    // The domain writes this page in place: it must stop before the page can be shared.
    this.#awaitingAck.add(frame);
    this.deps.upcall(domain, { frameInvalidate: { gpfn } });
    domain.link.afterAcked(() => this.#awaitingAck.delete(frame));
    return { handle, ready: false };
  }

  /** Merges client's page into source's; both handles must be current and the bytes equal. */
  share(
    source: Domain,
    gpfn: number,
    handle: number,
    client: Domain,
    clientGpfn: number,
    clientHandle: number,
  ): void {
    const { memory } = this.deps;
    const src = this.#nominated(source, gpfn, handle, "S");
    const dst = this.#nominated(client, clientGpfn, clientHandle, "C");
    if (src === dst) return;
    if (this.#awaitingAck.has(src) || this.#awaitingAck.has(dst))
      throw errno("EAGAIN", "an shm domain has not acknowledged the nomination yet");
    if (!sameBytes(src.read(0, XEN_PAGE_SIZE), dst.read(0, XEN_PAGE_SIZE)))
      throw errno(
        "EINVAL",
        `gfn ${gpfn} of dom${source.domid} and ${clientGpfn} of dom${client.domid} differ`,
      );
    if (!memory.shared.isShared(src)) {
      source.owned.delete(src);
      memory.shared.adopt(src);
    }
    memory.moveCache(client, dst, src, clientGpfn); // a socket copy: same bytes, still current
    client.p2m.replace(clientGpfn, { frame: src, foreign: false, readonly: true, cow: true });
    src.sharers++;
    if (memory.shared.isShared(dst)) {
      memory.shared.drop(dst);
    } else {
      client.owned.delete(dst);
      this.#free(client, dst, clientGpfn);
    }
  }

  /** The client's old frame: freed now, or (shm) once the client no longer reads it in place. */
  #free(client: Domain, frame: Frame, gpfn: number): void {
    const { memory } = this.deps;
    if (client.transport !== "shm") {
      memory.pool.release(frame);
      return;
    }
    frame.owner = null;
    memory.pool.pin(frame); // quarantine, as a forced unmap does: unpin frees it at zero
    this.deps.upcall(client, { frameInvalidate: { gpfn } });
    client.link.afterAcked(() => memory.unpin(frame));
  }

  #nominated(domain: Domain, gpfn: number, handle: number, side: "S" | "C"): Frame {
    const entry = P2m.valid(gpfn) ? domain.p2m.get(gpfn) : undefined;
    if (!entry || entry.foreign || !entry.cow || entry.frame.shareHandle !== handle || handle === 0)
      throw staleHandle(side, `gfn ${gpfn} of dom${domain.domid} does not hold handle ${handle}`);
    return entry.frame;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
