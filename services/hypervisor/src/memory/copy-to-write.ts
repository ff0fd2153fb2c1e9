// The Copy-To-Write fault (docs/design.md#copy-to-write): the first write by a domain to a page
// it holds copy-to-write. A copy_to_write grant mapping gets a private copy charged to the
// writer; a page shared by mem_sharing is unshared (copied, or taken back by its last sharer);
// a page only nominated for sharing just becomes writable again (the nomination is cancelled).
import { XEN_PAGE_SIZE, type xen } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import { errno } from "../errors.js";
import type { Grants } from "../grant-table/grants.js";
import type { Frame } from "./frame-pool.js";
import type { MachineMemory } from "./machine-memory.js";
import { P2m, type P2mEntry } from "./p2m.js";

export interface CopyToWriteDeps {
  readonly memory: MachineMemory;
  readonly grants: Grants;
  readonly upcall: (domain: Domain, upcall: xen.Upcall.$Properties) => void;
}

export class CopyToWrite {
  constructor(private readonly deps: CopyToWriteDeps) {}

  /**
   * The caller's entry at `gpfn`, writable: a copy-to-write page takes the fault first; any other
   * read-only page is −EACCES. Call it only once the rest of the call is validated.
   */
  writable(domain: Domain, gpfn: number): P2mEntry {
    const entry = P2m.valid(gpfn) ? domain.p2m.get(gpfn) : undefined;
    if (!entry) throw errno("EINVAL", `gpfn ${gpfn} is not populated`);
    if (!entry.readonly) return entry;
    if (!entry.cow) throw errno("EACCES", `gpfn ${gpfn} is mapped read-only`);
    return this.fault(domain, gpfn, entry);
  }

  /** Whether a fault on this entry would need a new frame (for checking the reservation first). */
  needsFrame(entry: P2mEntry): boolean {
    if (!entry.cow) return false;
    const { memory } = this.deps;
    return entry.foreign || (memory.shared.isShared(entry.frame) && entry.frame.sharers > 1);
  }

  fault(domain: Domain, gpfn: number, entry: P2mEntry): P2mEntry {
    const { memory } = this.deps;
    const frame = entry.frame;
    if (!entry.foreign && frame.owner === domain.domid) {
      frame.shareHandle = 0; // nominated, not shared yet: the write makes the handle stale
      const own = { frame, foreign: false, readonly: false };
      domain.p2m.replace(gpfn, own);
      return own;
    }
    if (!entry.foreign && memory.shared.isShared(frame)) return this.#unshare(domain, gpfn, frame);
    return this.#copyMapping(domain, gpfn, frame);
  }

  /** A copy_to_write grant mapping's first write: a private frame, charged to the writer. */
  #copyMapping(domain: Domain, gpfn: number, shared: Frame): P2mEntry {
    const mapping = domain.maptrack.atGpfn(gpfn);
    if (!mapping?.copyToWrite || mapping.privateCopy)
      throw new Error(`gpfn ${gpfn} of dom${domain.domid} is copy-to-write without a mapping`);
    const copy = this.#copyOf(domain, shared);
    this.deps.memory.pool.markPrivateCopy(copy);
    // foreign: still the mapping's frame, freed by unmap_grant_ref, not decrease_reservation.
    const next = { frame: copy, foreign: true, readonly: false };
    domain.p2m.replace(gpfn, next);
    this.deps.memory.moveCache(domain, shared, copy, gpfn);
    domain.maptrack.detach(mapping.handle, copy);
    this.deps.grants.release(domain, mapping);
    this.#tell(domain, {
      gpfn,
      mfn: copy.mfn,
      dom: mapping.granter,
      ref: mapping.ref,
      handle: mapping.handle,
    });
    return next;
  }

  /** A shared page's first write by one sharer: its own copy, or the frame itself for the last one. */
  #unshare(domain: Domain, gpfn: number, shared: Frame): P2mEntry {
    const { memory } = this.deps;
    let frame: Frame;
    if (shared.sharers === 1) {
      this.#reserve(domain);
      memory.shared.reclaim(shared, domain.domid);
      domain.owned.add(shared);
      frame = shared;
    } else {
      frame = this.#copyOf(domain, shared);
      memory.moveCache(domain, shared, frame, gpfn);
      memory.shared.drop(shared);
    }
    const next = { frame, foreign: false, readonly: false };
    domain.p2m.replace(gpfn, next);
    this.#tell(domain, { gpfn, mfn: frame.mfn, shared: true });
    return next;
  }

  #reserve(domain: Domain): void {
    if (domain.owned.size + 1 > domain.maxFrames)
      throw errno("ENOMEM", `copy-to-write: dom${domain.domid}'s reservation is full`);
  }

  #copyOf(domain: Domain, source: Frame): Frame {
    this.#reserve(domain);
    const [copy] = this.deps.memory.pool.alloc(1, domain.domid, "ram") ?? [];
    if (!copy) throw errno("ENOMEM", "copy-to-write: no free machine frame");
    copy.write(0, source.read(0, XEN_PAGE_SIZE));
    domain.owned.add(copy);
    return copy;
  }

  #tell(domain: Domain, fault: xen.CopyToWrite.$Properties): void {
    this.deps.memory.copyToWriteFaults++;
    this.deps.upcall(domain, { copyToWrite: fault });
  }
}
