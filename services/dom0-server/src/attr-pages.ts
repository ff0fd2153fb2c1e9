// The attribute pages of docs/xenfs.md: each open file's size, version and times in a 64-byte
// record of a dom0 frame, granted read-only to every guest that opens a file whose record is in
// it. Only dom0 writes them, in one mem_write per record, so frame coherence brings every guest's
// copy up to date before the response of the request that changed the file.
import {
  ATTR,
  ATTR_RECORDS_PER_PAGE,
  type AttrRecord,
  attrRecordCodec,
  attrRecordOffset,
} from "@xenfs/fsproto";
import type { GrantTable, Memory } from "@xenfs/libxen";
import type { GrantReaper } from "./grants/grant-reaper.js";

/** What dom0 knows of a file; the record adds flags and the generation. */
export type FileAttrs = Omit<AttrRecord, "flags" | "generation">;

/** Where a guest finds a file's record. */
export interface AttrLocation {
  readonly gref: number;
  readonly index: number;
}

interface AttrPage {
  readonly gpfn: number;
  readonly slots: (AttrSlot | undefined)[];
  /** Per record, bumped each time it is given to another file; kept across reuse. */
  readonly generations: number[];
  /** The page's read-only grant to each guest that opened a file in it. */
  readonly grants: Map<number, number>;
}

interface AttrSlot {
  readonly page: AttrPage;
  readonly index: number;
  readonly inode: string;
  /** Opens per guest; the record is freed when none is left. */
  readonly opens: Map<number, number>;
  record: AttrRecord;
}

export class AttrPages {
  readonly #pages: AttrPage[] = [];
  readonly #byInode = new Map<string, AttrSlot>();
  /** One page is added at a time, so two opens never both add a page for one free record. */
  #adding: Promise<AttrPage> | undefined;

  constructor(
    private readonly memory: Memory,
    private readonly grants: GrantTable,
    private readonly reaper: GrantReaper,
  ) {}

  /** Guest `domid` opened the file `inode`: its record (made now if new) and the page's grant. */
  async openFile(domid: number, inode: string, attrs: FileAttrs): Promise<AttrLocation> {
    let slot = this.#byInode.get(inode);
    if (slot === undefined) {
      slot = await this.#newSlot(inode, attrs);
    } else {
      await this.update(inode, attrs);
    }
    slot.opens.set(domid, (slot.opens.get(domid) ?? 0) + 1);
    const { page } = slot;
    let gref = page.grants.get(domid);
    if (gref === undefined) {
      gref = await this.grants.grantAccess(domid, page.gpfn, { readonly: true });
      page.grants.set(domid, gref);
    }
    return { gref, index: slot.index };
  }

  /** Guest `domid` closed one open of `inode`; the last close anywhere frees the record. */
  async closeFile(domid: number, inode: string): Promise<void> {
    const slot = this.#byInode.get(inode);
    const opens = slot?.opens.get(domid);
    if (slot === undefined || opens === undefined) return;
    if (opens > 1) slot.opens.set(domid, opens - 1);
    else slot.opens.delete(domid);
    if (slot.opens.size === 0) await this.#free(slot);
  }

  /** New attributes for an open file; nothing when no guest has it open. */
  async update(inode: string, attrs: Partial<FileAttrs>): Promise<void> {
    const slot = this.#byInode.get(inode);
    if (slot === undefined) return;
    await this.#write(slot, { ...slot.record, ...attrs });
  }

  /** The name a guest opened the file by was unlinked or renamed over. */
  async nameStale(inode: string): Promise<void> {
    const slot = this.#byInode.get(inode);
    if (slot === undefined) return;
    await this.#write(slot, { ...slot.record, flags: slot.record.flags | ATTR.ATTR_NAME_STALE });
  }

  /** A guest went away: its opens end, and so do its grants of the pages. */
  async releaseGuest(domid: number): Promise<void> {
    const freed = [...this.#byInode.values()].filter(
      (slot) => slot.opens.delete(domid) && slot.opens.size === 0,
    );
    await Promise.all(freed.map((slot) => this.#free(slot)));
    const ends = this.#pages.flatMap((page) => {
      const ref = page.grants.get(domid);
      page.grants.delete(domid);
      return ref === undefined ? [] : [this.reaper.end(ref)];
    });
    await Promise.allSettled(ends);
  }

  /** Attribute-page grants a guest holds. */
  grantsOf(domid: number): number {
    return this.#pages.filter((page) => page.grants.has(domid)).length;
  }

  /** Files with a record (open by some guest). */
  get openFiles(): number {
    return this.#byInode.size;
  }

  /** Ends every grant and frees the pages. */
  async close(): Promise<void> {
    const pages = this.#pages.splice(0);
    this.#byInode.clear();
    await Promise.allSettled(
      pages.flatMap((page) => [...page.grants.values()].map((ref) => this.reaper.end(ref))),
    );
    if (pages.length > 0) await this.memory.decreaseReservation(pages.map((page) => page.gpfn));
  }

  async #newSlot(inode: string, attrs: FileAttrs): Promise<AttrSlot> {
    for (;;) {
      const raced = this.#byInode.get(inode);
      if (raced) return raced;
      const page = this.#pages.find((candidate) => candidate.slots.includes(undefined));
      if (page !== undefined) {
        // Claimed before the first await, so no other open can take the same record.
        const index = page.slots.indexOf(undefined);
        const generation = (page.generations[index] ?? 0) + 1;
        page.generations[index] = generation;
        const record = { ...attrs, flags: ATTR.ATTR_VALID, generation };
        const slot: AttrSlot = { page, index, inode, opens: new Map(), record };
        page.slots[index] = slot;
        this.#byInode.set(inode, slot);
        await this.#write(slot, record);
        return slot;
      }
      this.#adding ??= this.#addPage().finally(() => {
        this.#adding = undefined;
      });
      await this.#adding;
    }
  }

  async #free(slot: AttrSlot): Promise<void> {
    this.#byInode.delete(slot.inode);
    slot.page.slots[slot.index] = undefined;
    // Not valid any more; the generation stays, so a guest that kept the index sees the change.
    await this.#write(slot, { ...slot.record, flags: 0 });
  }

  async #addPage(): Promise<AttrPage> {
    const [gpfn] = await this.memory.populatePhysmap(1);
    if (gpfn === undefined) throw new Error("populate_physmap gave no frame");
    const page: AttrPage = {
      gpfn,
      slots: new Array<AttrSlot | undefined>(ATTR_RECORDS_PER_PAGE).fill(undefined),
      generations: new Array<number>(ATTR_RECORDS_PER_PAGE).fill(0),
      grants: new Map(),
    };
    this.#pages.push(page);
    return page;
  }

  async #write(slot: AttrSlot, record: AttrRecord): Promise<void> {
    slot.record = record;
    await this.memory.write(slot.page.gpfn, attrRecordOffset(slot.index), attrRecordCodec.encode(record));
  }
}
