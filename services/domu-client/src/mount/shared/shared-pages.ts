// Shared mode: reads are served from dom0's page-cache frames, mapped read-only and kept. The
// attribute record gives the file's size, so a read of pages the guest holds makes no request;
// missing pages are mapped with map_pages, and a sequential reader's next windows are mapped
// in the background while it reads (read-ahead), several requests in flight.
import { ATTR, type AttrRecord, FsError, GREF_LIST_MAX, PAGE_SIZE } from "@xenfs/fsproto";
import type { MountCounters } from "../counters.js";
import type { DataPath } from "../data-path.js";
import type { OpenFile } from "../open-file.js";
import type { OpenResult, Remote } from "../remote.js";
import type { AttrPages } from "./attr-pages.js";
import type { HeldPage, PageTable } from "./page-table.js";
import { readaheadEnd } from "./readahead.js";

/** Rounds a window may take when pages keep being revoked, or the file keeps changing, under it. */
const MAX_ROUNDS = 8;

export interface SharedPagesSizes {
  /** Pages one round of a read maps and reads. */
  readonly windowPages: number;
  /** Most pages a sequential reader has mapped ahead of what it reads. */
  readonly readaheadPages: number;
  /** Pages per map_pages request (one indirect gref list at most). */
  readonly requestPages: number;
}

export class SharedPages implements DataPath {
  readonly #inflight = new Map<string, Promise<void>>();

  constructor(
    /** cow maps pages the same way; what differs is dom0's side (the guest's overlay). */
    readonly mode: "shared" | "cow",
    private readonly remote: Remote,
    private readonly pages: PageTable,
    private readonly attrs: AttrPages,
    private readonly counters: MountCounters,
    private readonly sizes: SharedPagesSizes,
  ) {
    if (sizes.requestPages > GREF_LIST_MAX) throw new RangeError(`${sizes.requestPages} pages per request`);
  }

  get pagesHeld(): number {
    return this.pages.size;
  }

  async opened(file: OpenFile, open: OpenResult): Promise<void> {
    await this.attrs.acquire(open.attrGref);
    const record = this.attrs.record(open.attrGref, open.attrIndex);
    file.attr = { gref: open.attrGref, index: open.attrIndex, generation: record?.generation ?? 0 };
    file.ino = record?.ino ?? (await this.remote.fstat(file)).ino;
  }

  async closed(file: OpenFile): Promise<void> {
    const attr = file.attr;
    file.attr = undefined;
    if (attr) await this.attrs.release(attr.gref);
  }

  reusable(file: OpenFile): boolean {
    const record = this.#record(file);
    return record !== undefined && (record.flags & ATTR.ATTR_NAME_STALE) === 0;
  }

  async size(file: OpenFile): Promise<number> {
    return (this.#record(file) ?? (await this.remote.fstat(file))).size;
  }

  /** Reads window by window, so no read needs more pages at once than the guest may hold. */
  async read(file: OpenFile, target: Uint8Array, position: number): Promise<number> {
    let done = 0;
    let requested = false;
    while (done < target.length) {
      const at = position + done;
      const span = this.sizes.windowPages * PAGE_SIZE - (at % PAGE_SIZE);
      const got = await this.#readWindow(file, target.subarray(done, done + span), at);
      requested ||= got.requested;
      done += got.bytes;
      if (got.bytes < Math.min(span, target.length - (done - got.bytes))) break; // end of file
    }
    if (!requested) this.counters.readsLocal += 1;
    return done;
  }

  async reset(): Promise<void> {
    this.#inflight.clear();
    await this.attrs.clear();
    await this.pages.clear(false);
  }

  async close(): Promise<void> {
    await this.attrs.clear();
    await this.pages.clear(true);
  }

  /**
   * One window, seqlock-style: the size and version in the attribute record are read before the
   * pages and again after; if they moved (a write or truncate landed meanwhile) the window is
   * read again, so the bytes are those of the file at one moment. When a mapping left pages
   * missing (dom0 answered fewer: the file shrank, or they were revoked), the next round asks
   * dom0 for the size instead of trusting the record.
   */
  async #readWindow(
    file: OpenFile,
    target: Uint8Array,
    position: number,
  ): Promise<{ bytes: number; requested: boolean }> {
    let requested = false;
    let askSize = false;
    for (let round = 0; ; round++) {
      const record = askSize ? undefined : this.#record(file);
      if (!record) requested = true;
      const { size } = record ?? (await this.remote.fstat(file));
      askSize = false;
      const length = Math.min(target.length, size - position);
      if (length <= 0) return { bytes: 0, requested };
      const ino = file.ino as number;
      const first = Math.floor(position / PAGE_SIZE);
      const last = Math.floor((position + length - 1) / PAGE_SIZE);
      const held = range(first, last).map((index) => this.pages.get(ino, index));
      const missing = held.indexOf(undefined);
      if (round === MAX_ROUNDS) {
        // Pages revoked under every round, with dom0 saying they exist: the cache is thrashing.
        if (missing >= 0) throw new FsError("EIO", { syscall: "read", path: file.path });
      }
      const needed = missing >= 0 ? this.#map(file, first + missing, last) : undefined;
      if (round === 0) requested = this.#readAhead(file, first, last, size) || requested;
      if (needed) {
        requested = true;
        await needed;
        askSize = range(first, last).some((index) => !this.pages.has(ino, index));
        continue;
      }
      if (this.#copyHeld(held as HeldPage[], first, last, position, length, target)) {
        if (this.#moved(file, record) && round < MAX_ROUNDS) continue;
        file.nextPage = last + 1;
        return { bytes: length, requested };
      }
      const chunks = await Promise.all(
        held.map((page, i) => {
          const start = i === 0 ? position % PAGE_SIZE : 0;
          const end = first + i === last ? ((position + length - 1) % PAGE_SIZE) + 1 : PAGE_SIZE;
          return this.pages.read(page as NonNullable<typeof page>, start, end - start);
        }),
      );
      if (chunks.some((chunk) => chunk === undefined)) continue; // revoked meanwhile
      if (this.#moved(file, record) && round < MAX_ROUNDS) continue;
      let at = 0;
      for (const chunk of chunks as Uint8Array[]) {
        target.set(chunk, at);
        at += chunk.length;
      }
      file.nextPage = last + 1;
      return { bytes: length, requested };
    }
  }

  /**
   * Whether the file changed since `before` was read: its record now has another size or
   * version, or is gone. (Without a record to compare, dom0's answer was the moment.) A
   * writer that never pauses wins after MAX_ROUNDS: the read then has what it saw, each page
   * whole, as on Linux.
   */
  #moved(file: OpenFile, before: AttrRecord | undefined): boolean {
    if (before === undefined) return false;
    const now = this.#record(file);
    return now === undefined || now.size !== before.size || now.version !== before.version;
  }

  /**
   * The cached read: every page held (and on socket its copy loaded), so the bytes are copied
   * with no await; on shm straight from the mapped frames into `target`.
   */
  #copyHeld(
    held: readonly HeldPage[],
    first: number,
    last: number,
    position: number,
    length: number,
    target: Uint8Array,
  ): boolean {
    if (this.pages.readSpanInto(held, position % PAGE_SIZE, length, target, 0)) return true;
    let at = 0;
    for (const [i, page] of held.entries()) {
      const start = i === 0 ? position % PAGE_SIZE : 0;
      const end = first + i === last ? ((position + length - 1) % PAGE_SIZE) + 1 : PAGE_SIZE;
      if (!this.pages.readInto(page, start, end - start, target, at)) return false;
      at += end - start;
    }
    return true;
  }

  #record(file: OpenFile): AttrRecord | undefined {
    const slot = file.attr;
    const record = slot && this.attrs.record(slot.gref, slot.index);
    if (!record || !(record.flags & ATTR.ATTR_VALID) || record.generation !== slot?.generation)
      return undefined;
    return record;
  }

  /** Starts mapping the pages after [first, last] a sequential reader will want next; true if it asked dom0. */
  #readAhead(file: OpenFile, first: number, last: number, size: number): boolean {
    const lastOfFile = Math.floor((size - 1) / PAGE_SIZE);
    const ahead = readaheadEnd(file, first, last, lastOfFile, this.sizes.readaheadPages);
    if (ahead <= last) return false;
    let asked = false;
    // A failure here is the demand read's to find and report.
    void this.#map(file, last + 1, ahead, () => {
      asked = true;
    }).catch(() => {});
    return asked;
  }

  /**
   * Maps the missing pages of [from, to], requestPages per request, joining mappings already
   * under way; `onRequest` hears of each request made.
   */
  async #map(file: OpenFile, from: number, to: number, onRequest = () => {}): Promise<void> {
    const ino = file.ino as number;
    const work: Promise<void>[] = [];
    let run: number[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const [start] = run as [number];
      const count = run.length;
      const keys = run.map((index) => `${ino}:${index}`);
      onRequest();
      const mapping: Promise<void> = this.pages
        .map(ino, start, count, () => this.remote.mapPages(file, start, count))
        .finally(() => {
          for (const key of keys) if (this.#inflight.get(key) === mapping) this.#inflight.delete(key);
        });
      for (const key of keys) this.#inflight.set(key, mapping);
      work.push(mapping);
      run = [];
    };
    for (let index = from; index <= to; index++) {
      const under = this.#inflight.get(`${ino}:${index}`);
      if (under || this.pages.has(ino, index)) {
        flush();
        // Another reader's mapping: its failure is that reader's; this one checks again.
        if (under) work.push(under.catch(() => {}));
      } else {
        run.push(index);
        if (run.length === this.sizes.requestPages) flush();
      }
    }
    flush();
    await Promise.all(work);
  }
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
