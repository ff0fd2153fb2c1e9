// Copy mode with page flipping (docs/xenfs.md "Page flipping"), negotiated per backend: a read
// offers one accept_transfer entry per page instead of a granted frame, and dom0 transfers a
// frame it filled into each (GNTTABOP_transfer); the guest reads the bytes and gives the frames
// back to Xen, so its reservation is level again after every read. Whole pages of a write go the
// other way: into fresh frames of the guest's, transferred into refs dom0 offered (flip_refs),
// then named in a write_flip. What is not a whole page goes by the copy path.
import { FLIP_REFS_MAX, FSIF_NR_GNTS, PAGE_SIZE } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import type { MountCounters } from "../counters.js";
import type { FdRef, Remote } from "../remote.js";

/** Refs asked of dom0 at a time for whole-page writes. */
const FLIP_REFS_BATCH = 64;

export class PageFlip {
  /** dom0's refs offered to this guest, for the connection `#epoch`. */
  #offered: number[] = [];
  #epoch = -1;

  constructor(
    private readonly domain: XenDomain,
    private readonly remote: Remote,
    private readonly backendDomid: number,
    private readonly counters: MountCounters,
  ) {}

  /**
   * Pages [start, start + count) of `file` by transfer: the bytes dom0 sent and the frames that
   * brought them (this guest's gpfns, in page order), which `release` gives back.
   */
  async read(file: FdRef, start: number, count: number): Promise<{ bytes: number; gpfns: number[] }> {
    const grants = this.domain.grants;
    const refs: number[] = [];
    try {
      for (let i = 0; i < count; i++) refs.push(await grants.acceptTransfer(this.backendDomid));
      const bytes = await this.remote.read(file, start * PAGE_SIZE, count * PAGE_SIZE, refs);
      const gpfns = await this.#collect(refs.splice(0));
      if (gpfns.length !== Math.ceil(bytes / PAGE_SIZE)) {
        await this.release(gpfns);
        throw new Error(`dom0 sent ${bytes} bytes in ${gpfns.length} frames`);
      }
      this.counters.pagesFlippedIn += gpfns.length;
      return { bytes, gpfns };
    } catch (error) {
      // Whatever arrived before the failure is ours: back to Xen with it.
      await this.release(await this.#collect(refs).catch(() => []));
      throw error;
    }
  }

  /** Frames a read brought, back to Xen. */
  async release(gpfns: readonly number[]): Promise<void> {
    if (gpfns.length > 0) await this.domain.memory.decreaseReservation(gpfns);
  }

  /**
   * Writes `data` at `position`: its whole pages by flip, FSIF_NR_GNTS pages a request, the rest
   * by copy; returns bytes written. A flip that cannot be made (no refs, a transfer refused, a
   * reconnect) goes by copy instead: the bytes are still here.
   */
  async write(file: FdRef, data: Uint8Array, position: number): Promise<number> {
    const whole = data.length - (data.length % PAGE_SIZE);
    let written = 0;
    while (written < whole) {
      const chunk = data.subarray(written, Math.min(whole, written + FSIF_NR_GNTS * PAGE_SIZE));
      let bytes: number;
      try {
        bytes = await this.#writePages(file, chunk, position + written);
      } catch {
        this.counters.flipFallbacks += 1;
        bytes = await this.remote.write(file, chunk, position + written);
      }
      written += bytes;
      if (bytes < chunk.length) return written;
    }
    if (written < data.length)
      written += await this.remote.write(file, data.subarray(written), position + written);
    return written;
  }

  /** The backend went away: its refs with it. */
  reset(): void {
    this.#offered = [];
    this.#epoch = -1;
  }

  async #writePages(file: FdRef, chunk: Uint8Array, offset: number): Promise<number> {
    const count = chunk.length / PAGE_SIZE;
    const refs = await this.#takeRefs(count);
    const gpfns = await this.domain.memory.populatePhysmap(count);
    await this.domain.memory.writeSpan(gpfns, chunk);
    const sent = await Promise.allSettled(
      gpfns.map((gpfn, i) => this.domain.grants.transfer(gpfn, this.backendDomid, refs[i] as number)),
    );
    const kept = gpfns.filter((_, i) => sent[i]?.status === "rejected");
    if (kept.length > 0) {
      // dom0 frees what did arrive when this connection ends; ours go back to Xen now.
      await this.domain.memory.decreaseReservation(kept);
      throw new Error(`${kept.length} of ${count} page transfers refused`);
    }
    this.counters.pagesFlippedOut += count;
    return this.remote.writeFlip(file, offset, chunk.length, refs);
  }

  /** `count` of dom0's refs, asked for in batches; only the current connection's. */
  async #takeRefs(count: number): Promise<number[]> {
    if (this.#epoch !== this.remote.epoch) this.reset();
    while (this.#offered.length < count) {
      const { refs, epoch } = await this.remote.flipRefs(
        Math.min(FLIP_REFS_MAX, Math.max(FLIP_REFS_BATCH, count)),
      );
      if (epoch !== this.#epoch) {
        this.#offered = [];
        this.#epoch = epoch;
      }
      this.#offered.push(...refs);
    }
    return this.#offered.splice(0, count);
  }

  /** The frames that arrived in `refs` (in order); the entries nothing arrived in are ended. */
  async #collect(refs: readonly number[]): Promise<number[]> {
    const grants = this.domain.grants;
    // Xen wrote the entries while dom0 transferred, before dom0's answer: a hypercall of ours
    // orders them before what we read next.
    if (refs.some((ref) => !grants.transferResult(ref).completed)) await grants.querySize();
    const arrived = await Promise.all(
      refs.map(async (ref) => {
        if (grants.transferResult(ref).completed) return grants.completeTransfer(ref);
        await grants.endAccess(ref);
        return undefined;
      }),
    );
    return arrived.filter((gpfn) => gpfn !== undefined);
  }
}
