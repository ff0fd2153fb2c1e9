// grant_table.h (v1) from the guest's side: the entries this domain writes into its own table
// frames to share pages, and the GNTTABOP_* calls to map, copy and transfer others' pages.
import { EventEmitter } from "node:events";
import {
  DOMID,
  decodeGrantEntry,
  encodeGrantEntry,
  entryLocation,
  flagsWord,
  GNTCOPY,
  GNTMAP,
  GNTST,
  GRANT_ENTRIES_PER_FRAME,
  GRANT_ENTRY_V1_SIZE,
  GTF,
  XEN_ERRNO,
} from "@xenfs/proto";
import { XenError } from "./errors.js";
import type { FramePage } from "./frame-page.js";
import { GrantRefs } from "./grant-refs.js";
import type { Memory } from "./memory.js";
import { checkGpfn } from "./range.js";
import type { XenSession } from "./session.js";

export interface GrantMapping {
  readonly handle: number;
  /** Where the frame appears in this domain's p2m. */
  readonly gpfn: number;
}

/** One side of a GNTTABOP_copy: another domain's grant, or a frame of this domain. */
export type CopySide =
  | { readonly ref: number; readonly domid: number; readonly offset: number }
  | { readonly gpfn: number; readonly offset: number };

export interface TransferStatus {
  readonly committed: boolean;
  readonly completed: boolean;
  /** The received frame's gpfn in this domain, once completed. */
  readonly frame: number;
}

/** A granter wants its page back (`forced=false`), or has taken it by force (`forced=true`). */
export interface GrantRevokeEvent {
  readonly dom: number;
  readonly ref: number;
  readonly handle: number;
  readonly forced: boolean;
  readonly deadlineMs: number;
}

export interface GrantTableEvents {
  revoke: [event: GrantRevokeEvent];
}

interface Granted {
  readonly domid: number;
  readonly flags: number;
}

interface Mapping {
  readonly gpfn: number;
  readonly dom: number;
  readonly ref: number;
}

const OP = {
  grant: "gnttab_grant_foreign_access",
  accept: "gnttab_grant_foreign_transfer",
  end: "gnttab_end_foreign_access",
} as const;

/**
 * Ending access while the grantee has the page mapped is refused with `EBUSY` (Xen's
 * gnttab_end_foreign_access_ref returns 0 in that case; Linux then defers the free). The entry
 * and the reference stay as they were: unmap first, or `revoke`.
 */
export const GRANT_IN_USE = "EBUSY";

export class GrantTable extends EventEmitter<GrantTableEvents> {
  readonly #refs = new GrantRefs();
  readonly #granted = new Map<number, Granted>();
  readonly #mappings = new Map<number, Mapping>();
  #pages: FramePage[] = [];

  constructor(
    private readonly session: XenSession,
    private readonly memory: Memory,
  ) {
    super();
    session.onUpcall("grantRevoke", (u) =>
      this.#onRevoke({
        dom: u.dom ?? 0,
        ref: u.ref ?? 0,
        handle: u.handle ?? 0,
        forced: u.forced ?? false,
        deadlineMs: u.deadlineMs ?? 0,
      }),
    );
  }

  /** GNTTABOP_setup_table: `nrFrames` table frames (512 entries each); returns their gpfns. */
  async setup(nrFrames: number): Promise<number[]> {
    if (!Number.isInteger(nrFrames) || nrFrames < 1)
      throw XenError.errno("EINVAL", "gnttab_setup_table", `${nrFrames}`);
    const reply = await this.session.call(
      { gnttabSetupTable: { nrFrames } },
      {
        onReply: (r) =>
          this.memory.noteFrames(r.gnttabSetupTable?.frameList ?? [], r.gnttabSetupTable?.mfns ?? []),
      },
    );
    const frames = reply.gnttabSetupTable?.frameList ?? [];
    // Held coherently: Xen writes GTF_reading/writing and transfer results into them.
    this.#pages = await Promise.all(frames.map((gpfn) => this.memory.page(gpfn)));
    this.#refs.grow(frames.length * GRANT_ENTRIES_PER_FRAME);
    return frames;
  }

  /** Entries in the table, and how many of them are free. */
  get nrEntries(): number {
    return this.#refs.size;
  }
  get freeRefs(): number {
    return this.#refs.available;
  }

  /** gnttab_grant_foreign_access: lets `domid` map (or copy) this domain's frame `gpfn`. */
  async grantAccess(domid: number, gpfn: number, options: { readonly?: boolean } = {}): Promise<number> {
    checkGpfn(OP.grant, gpfn);
    const flags = GTF.permit_access | (options.readonly ? GTF.readonly : 0);
    return this.#claim(OP.grant, { flags, domid, frame: gpfn });
  }

  /**
   * grantAccess for many frames at once: the entries are claimed together and written one run
   * of consecutive refs at a time (one write each instead of one per entry). Resolves with the
   * refs in `gpfns`' order; all or none (ENOSPC when too few refs are free).
   */
  async grantAccessMany(
    domid: number,
    gpfns: readonly number[],
    options: { readonly?: boolean } = {},
  ): Promise<number[]> {
    for (const gpfn of gpfns) checkGpfn(OP.grant, gpfn);
    const flags = GTF.permit_access | (options.readonly ? GTF.readonly : 0);
    const refs = this.#refs.takeMany(gpfns.length, OP.grant);
    const byRef = refs.map((ref, i) => ({ ref, gpfn: gpfns[i] as number })).sort((a, b) => a.ref - b.ref);
    try {
      for (let start = 0; start < byRef.length; ) {
        let end = start + 1;
        const first = (byRef[start] as { ref: number }).ref;
        const { frameIndex, offset } = entryLocation(first);
        while (
          end < byRef.length &&
          (byRef[end] as { ref: number }).ref === first + (end - start) &&
          entryLocation(first + (end - start)).frameIndex === frameIndex
        )
          end++;
        const page = this.#pages[frameIndex];
        if (!page) throw badRef(OP.grant, first, "table frame missing");
        const run = new Uint8Array((end - start) * GRANT_ENTRY_V1_SIZE);
        for (let i = start; i < end; i++) {
          const entry = { flags, domid, frame: (byRef[i] as { gpfn: number }).gpfn };
          run.set(encodeGrantEntry(entry), (i - start) * GRANT_ENTRY_V1_SIZE);
        }
        await this.memory.write(page.gpfn, offset, run);
        start = end;
      }
    } catch (error) {
      for (const ref of refs) this.#refs.put(ref);
      throw error;
    }
    for (const ref of refs) this.#granted.set(ref, { domid, flags });
    return refs;
  }

  /** gnttab_grant_foreign_transfer: lets `domid` transfer a frame to this domain. */
  async acceptTransfer(domid: number): Promise<number> {
    return this.#claim(OP.accept, { flags: GTF.accept_transfer, domid, frame: 0 });
  }

  /** What Xen has written into an accept_transfer entry so far. */
  transferResult(ref: number): TransferStatus {
    const granted = this.#granted.get(ref);
    if (granted?.flags !== GTF.accept_transfer)
      throw badRef("gnttab_transfer_result", ref, "no accept_transfer");
    const { flags, frame } = this.#entry(ref);
    return {
      committed: (flags & GTF.transfer_committed) !== 0,
      completed: (flags & GTF.transfer_completed) !== 0,
      frame,
    };
  }

  /**
   * The frame a completed transfer brought (its gpfn here); the accept_transfer entry is cleared
   * and its reference freed. EAGAIN while the transfer has not completed.
   */
  async completeTransfer(ref: number): Promise<number> {
    const { completed, frame } = this.transferResult(ref);
    if (!completed) throw XenError.errno("EAGAIN", "gnttab_transfer", `ref ${ref}: no frame has arrived yet`);
    await this.endAccess(ref);
    return frame;
  }

  /**
   * gnttab_end_foreign_access / _transfer: clears the entry and frees the reference. The
   * {flags, domid} word goes from its granted value to 0 in one cmpxchg, which fails while Xen
   * has GTF_reading/GTF_writing set: then `GRANT_IN_USE` and nothing changes.
   */
  async endAccess(ref: number): Promise<void> {
    const granted = this.#granted.get(ref);
    if (!granted) throw badRef(OP.end, ref, "not granted by this domain");
    const { frameIndex, offset } = entryLocation(ref);
    const gpfn = this.#pages[frameIndex]?.gpfn ?? 0;
    const expected = flagsWord(granted.flags, granted.domid);
    const old = await this.memory.cmpxchg(gpfn, offset, 4, expected, 0n);
    if (old !== expected) {
      const flags = Number(old & 0xffffn);
      const transfer = granted.flags === GTF.accept_transfer;
      if (transfer && flags & GTF.transfer_completed) {
        // The frame has arrived; the entry is ours to clear.
        await this.memory.write(gpfn, offset, encodeGrantEntry({ flags: 0, domid: 0, frame: 0 }));
      } else if (transfer || flags & (GTF.reading | GTF.writing)) {
        const what = transfer ? "a transfer into it is in progress" : `domain ${granted.domid} has it mapped`;
        throw new XenError(GRANT_IN_USE, -XEN_ERRNO.EBUSY, OP.end, `ref ${ref}: ${what}`);
      } else {
        throw XenError.errno(
          "EIO",
          OP.end,
          `ref ${ref}: entry holds ${old.toString(16)}, not what was granted`,
        );
      }
    }
    this.#granted.delete(ref);
    this.#refs.put(ref);
  }

  /**
   * GNTTABOP_map_grant_ref: maps `dom`'s grant `ref` into this domain. `copyToWrite`
   * (GNTMAP_copy_to_write, docs/design.md#copy-to-write): reads see the granter's frame, the first
   * write gives this domain a private copy (a read-only grant is enough).
   */
  async mapGrantRef(
    dom: number,
    ref: number,
    options: { readonly?: boolean; copyToWrite?: boolean; hostGpfn?: number } = {},
  ): Promise<GrantMapping> {
    const copyToWrite = options.copyToWrite ?? false;
    const readonly = options.readonly ?? false;
    const flags =
      GNTMAP.host_map | (readonly ? GNTMAP.readonly : 0) | (copyToWrite ? GNTMAP.copy_to_write : 0);
    const reply = await this.session.call(
      { gnttabMapGrantRef: { dom, ref, flags, hostGpfn: options.hostGpfn ?? 0 } },
      {
        onReply: (r) => {
          const result = r.gnttabMapGrantRef;
          if (r.status || !result) return;
          this.memory.noteMapped(result.hostGpfn ?? 0, readonly, result.mfn ?? undefined, copyToWrite);
          this.#mappings.set(result.handle ?? 0, { gpfn: result.hostGpfn ?? 0, dom, ref });
        },
      },
    );
    return { handle: reply.gnttabMapGrantRef?.handle ?? 0, gpfn: reply.gnttabMapGrantRef?.hostGpfn ?? 0 };
  }

  /** GNTTABOP_unmap_grant_ref by handle; the frame (or its local copy) goes with it. */
  async unmapGrantRef(handle: number): Promise<void> {
    const mapping = this.#mappings.get(handle);
    // shm: stop touching the frame before the hypervisor may free it and give it to another.
    if (mapping && this.memory.transport === "shm") this.memory.drop(mapping.gpfn);
    await this.session.call(
      { gnttabUnmapGrantRef: { handle, hostGpfn: mapping?.gpfn ?? 0 } },
      {
        onReply: (r) => {
          if (!r.status) this.#forgetMapping(handle);
        },
      },
    );
  }

  /** GNTTABOP_copy of `len` bytes; neither side may cross its frame's end. */
  async copy(source: CopySide, dest: CopySide, len: number): Promise<void> {
    const flags = ("ref" in source ? GNTCOPY.source_gref : 0) | ("ref" in dest ? GNTCOPY.dest_gref : 0);
    await this.session.call({ gnttabCopy: { source: copyPtr(source), dest: copyPtr(dest), len, flags } });
    // Written behind the local copy's back: refetch it if this domain keeps one.
    if ("gpfn" in dest && this.memory.holds(dest.gpfn)) await this.memory.refresh(dest.gpfn);
  }

  /** GNTTABOP_transfer: gives frame `gpfn` to `domid`, into its accept_transfer entry `ref`. */
  async transfer(gpfn: number, domid: number, ref: number): Promise<void> {
    checkGpfn("gnttab_transfer", gpfn);
    if (this.memory.transport === "shm") this.memory.drop(gpfn); // it is the receiver's from now on
    await this.session.call(
      { gnttabTransfer: { mfn: gpfn, domid, ref } },
      {
        onReply: (r) => {
          if (!r.status) this.memory.drop(gpfn);
        },
      },
    );
  }

  /** GNTTABOP_query_size. */
  async querySize(dom: number = DOMID.SELF): Promise<{ nrFrames: number; maxNrFrames: number }> {
    const reply = await this.session.call({ gnttabQuerySize: { dom } });
    return {
      nrFrames: reply.gnttabQuerySize?.nrFrames ?? 0,
      maxNrFrames: reply.gnttabQuerySize?.maxNrFrames ?? 0,
    };
  }

  /** Asks every mapper of `ref` to unmap; past `deadlineMs` they lose it by force. Returns the mapper count. */
  async revoke(ref: number, deadlineMs: number): Promise<number> {
    if (!this.#granted.has(ref)) throw badRef("gnttab_revoke", ref, "not granted by this domain");
    const reply = await this.session.call({ gnttabRevoke: { ref, deadlineMs } });
    return reply.gnttabRevoke?.mappers ?? 0;
  }

  /** Mappings this domain holds, by handle. */
  get mappings(): ReadonlyMap<number, GrantMapping> {
    return new Map([...this.#mappings].map(([handle, m]) => [handle, { handle, gpfn: m.gpfn }]));
  }

  async #claim(op: string, entry: { flags: number; domid: number; frame: number }): Promise<number> {
    const bytes = encodeGrantEntry(entry);
    const ref = this.#refs.take(op);
    const { frameIndex, offset } = entryLocation(ref);
    const page = this.#pages[frameIndex];
    try {
      if (!page) throw badRef(op, ref, "table frame missing");
      await this.memory.write(page.gpfn, offset, bytes);
    } catch (error) {
      this.#refs.put(ref);
      throw error;
    }
    this.#granted.set(ref, { domid: entry.domid, flags: entry.flags });
    return ref;
  }

  #entry(ref: number) {
    const { frameIndex, offset } = entryLocation(ref);
    const page = this.#pages[frameIndex];
    if (!page) throw badRef("grant_entry", ref, "past the table");
    return decodeGrantEntry(page.read(offset, 8));
  }

  #forgetMapping(handle: number): void {
    const mapping = this.#mappings.get(handle);
    if (!mapping) return;
    this.#mappings.delete(handle);
    this.memory.drop(mapping.gpfn);
  }

  /** Listeners decide; with none, a polite request is honoured by unmapping at once. */
  #onRevoke(event: GrantRevokeEvent): void {
    if (event.forced) this.#forgetMapping(event.handle);
    if (this.listenerCount("revoke") > 0) this.emit("revoke", event);
    else if (!event.forced)
      this.unmapGrantRef(event.handle).catch((error) => this.session.reportError(error));
  }
}

function badRef(op: string, ref: number, why: string): XenError {
  return new XenError("GNTST_bad_gntref", GNTST.bad_gntref, op, `ref ${ref}: ${why}`);
}

function copyPtr(side: CopySide) {
  return "ref" in side
    ? { ref: side.ref, domid: side.domid, offset: side.offset }
    : { gmfn: side.gpfn, domid: DOMID.SELF, offset: side.offset };
}
