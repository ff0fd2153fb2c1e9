// common/memory.c and common/page_alloc.c's share of the hypervisor: the frame pool, writes Xen
// itself makes into frames (with the socket transport's copies kept coherent), foreign pins,
// giving frames back, and what a dying domain's memory becomes.
import type { xen } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import type { DomainRegistry } from "../domain/registry.js";
import { type Frame, FramePool } from "./frame-pool.js";
import type { MemoryFile } from "./memory-file.js";
import { SharedFrames } from "./shared-frames.js";
import { SocketCopies } from "./socket-copies.js";

export interface MemoryDeps {
  readonly file: MemoryFile;
  readonly domains: DomainRegistry;
  readonly upcall: (domain: Domain, upcall: xen.Upcall.$Properties) => void;
  /** A zombie gave back its last frame: it can be reaped. */
  readonly onZombieEmpty: (domain: Domain) => void;
}

export class MachineMemory {
  readonly pool: FramePool;
  /** Frames socket domains copy, for shm writers' changes (see publishShmWrites). */
  readonly socketCopies = new SocketCopies();
  /** Identical-page sharing's frames (owned by DOMID_COW). */
  readonly shared: SharedFrames;
  /** Copy-To-Write faults taken since boot (grant mappings and shared pages). */
  copyToWriteFaults = 0;

  constructor(private readonly deps: MemoryDeps) {
    this.pool = new FramePool(deps.file);
    this.shared = new SharedFrames(this.pool);
  }

  get file(): MemoryFile {
    return this.deps.file;
  }

  /**
   * Writes into a frame and queues a frame_update, at that domain's own gpfn, on every other
   * domain that keeps a copy: ahead of anything the writer does next (write, barrier, notify).
   * `writer` is undefined when Xen itself writes (GTF_reading, transfer results).
   */
  writeFrame(
    frame: Frame,
    offset: number,
    bytes: Uint8Array,
    writer?: { domid: number; gpfn: number },
  ): void {
    frame.write(offset, bytes);
    this.socketCopies.wrote(frame, offset, bytes);
    this.#sendUpdates(frame, offset, bytes, writer);
  }

  /**
   * Before any domain is served: what shm domains wrote in place since, into frames socket
   * domains copy, goes to those domains as frame_update. It is then ahead of the event an shm
   * writer's call may send, and ahead of the reply to a socket domain's call (its barrier: a
   * ring consumer re-checking the producer index after its own write must see it). Nothing to
   * do while no socket domain keeps copies or no shm domain lives.
   */
  publishShmWrites(): void {
    if (this.socketCopies.size === 0) return;
    if (!this.deps.domains.all().some((d) => d.live && d.transport === "shm")) return;
    this.socketCopies.sync((frame, offset, data) => this.#sendUpdates(frame, offset, data));
  }

  /** A socket domain keeps a copy of `frame` at `gpfn` (mem_read with cache); shm domains keep none. */
  cache(domain: Domain, frame: Frame, gpfn: number): void {
    if (domain.transport !== "socket") return;
    const gpfns = frame.cachers.get(domain.domid) ?? new Set<number>();
    frame.cachers.set(domain.domid, gpfns.add(gpfn));
    this.socketCopies.track(frame);
  }

  /** `gpfn` of `domain` now holds `to` instead of `from`: a copy it kept follows (same bytes). */
  moveCache(domain: Domain, from: Frame, to: Frame, gpfn: number): void {
    if (!from.cachers.get(domain.domid)?.has(gpfn)) return;
    this.forget(domain, from, gpfn);
    this.cache(domain, to, gpfn);
  }

  /** Drops a domain's cached copy at `gpfn` (unmapped, freed or forgotten). */
  forget(domain: Domain, frame: Frame, gpfn: number): void {
    const gpfns = frame.cachers.get(domain.domid);
    if (!gpfns?.delete(gpfn)) return;
    if (gpfns.size === 0) frame.cachers.delete(domain.domid);
  }

  /** The domain now reads frames in place: the copies it kept over the socket are gone. */
  forgetAll(domain: Domain): void {
    for (const [gpfn, entry] of domain.p2m) this.forget(domain, entry.frame, gpfn);
  }

  /** Drops one foreign pin; a frame nobody owns any more (or a zombie's) is freed at zero. */
  unpin(frame: Frame): void {
    this.pool.unpin(frame);
    if (frame.mapCount > 0) return;
    if (frame.owner === null) {
      this.pool.release(frame);
      return;
    }
    const owner = this.deps.domains.get(frame.owner);
    if (owner?.state !== "zombie") return;
    owner.owned.delete(frame);
    this.pool.release(frame);
    if (owner.owned.size === 0) this.deps.onZombieEmpty(owner);
  }

  /** Gives a frame back: freed now, or when the last foreign mapping of it goes. */
  releaseOwned(domain: Domain, frame: Frame): void {
    domain.owned.delete(frame);
    if (frame.mapCount === 0) this.pool.release(frame);
    else frame.owner = null;
  }

  /**
   * A dying domain's memory (its mappings already gone): its p2m empties and every frame it
   * owns that nobody maps is freed. Returns how many are still mapped by others (a zombie's).
   */
  relinquish(domain: Domain): number {
    for (const [gpfn, entry] of [...domain.p2m]) {
      domain.p2m.delete(gpfn);
      this.forget(domain, entry.frame, gpfn);
      if (!entry.foreign && this.shared.isShared(entry.frame)) this.shared.drop(entry.frame);
    }
    for (const frame of [...domain.owned]) {
      if (frame.mapCount === 0) {
        domain.owned.delete(frame);
        this.pool.release(frame);
      }
    }
    return domain.owned.size;
  }

  #sendUpdates(
    frame: Frame,
    offset: number,
    bytes: Uint8Array,
    writer?: { domid: number; gpfn: number },
  ): void {
    for (const [domid, gpfns] of frame.cachers) {
      const holder = this.deps.domains.live(domid);
      if (!holder) continue;
      for (const gpfn of gpfns) {
        if (writer && writer.domid === domid && writer.gpfn === gpfn) continue;
        this.deps.upcall(holder, { frameUpdate: { gpfn, offset, data: bytes.slice() } });
      }
    }
  }
}
