// An open page-granular upper file (docs/xenfs.md#cow-mode): the sparse upper file, the base file
// its unchanged pages come from, and the changed-pages record that tells which is which. Reads
// merge the two; a write first gives the upper the base's bytes of pages it only partly covers,
// then marks its pages changed; a truncate below the base's end moves that end down.
import type { ExportFs } from "../export/index.js";
import { PAGE_SIZE, type PageReader, pageSpan } from "../page-cache/index.js";
import type { PageRecord } from "./page-record.js";

/** Pages read from the base at a time when a whole file is copied up. */
const WHOLE_CHUNK_PAGES = 64;

export class SparseFile {
  constructor(
    readonly upper: ExportFs,
    readonly base: ExportFs,
    readonly domid: number,
    /** The guest's upper file id (reads, and writes unless `writerId`). */
    readonly upperId: number,
    /** The base file, open read-only. */
    readonly baseId: number,
    /** The base file's page-cache key. */
    readonly baseInode: string,
    readonly record: PageRecord,
    /** A positional ("r+") id of the upper file when `upperId` appends. */
    readonly writerId: number | undefined,
  ) {}

  get readBase(): PageReader {
    return (position, length) => this.base.read(this.domid, this.baseId, position, length);
  }

  /** Bytes at `position` as the guest sees them: the upper's, with the base's pages put in. */
  async read(position: number, length: number): Promise<Buffer> {
    const bytes = await this.upper.read(this.domid, this.upperId, position, length);
    const { first, end } = pageSpan(position, bytes.length);
    const pages = this.record.basePages(first, end);
    if (pages.length === 0) return bytes;
    const from = Math.max(position, (pages[0] as number) * PAGE_SIZE);
    const to = Math.min(position + bytes.length, ((pages.at(-1) as number) + 1) * PAGE_SIZE);
    const base = await this.readBase(from, Math.max(0, Math.min(to, this.record.baseSize) - from));
    for (const index of pages) {
      const start = Math.max(position, index * PAGE_SIZE);
      const stop = Math.min(position + bytes.length, (index + 1) * PAGE_SIZE);
      // Past the base's end (or the end of a base file that shrank since): zeros.
      bytes.fill(0, start - position, stop - position);
      const have = base.subarray(Math.min(base.length, start - from), Math.min(base.length, stop - from));
      bytes.set(have, start - position);
    }
    return bytes;
  }

  /**
   * Writes `data` at `position` (`append`: at the end; the upper's own pages by then, see
   * `open`). Pages of the base it covers only in part get the base's bytes first; then the pages
   * are the upper's, and the record says so (on disk) before the write is answered.
   */
  async write(position: number, data: Uint8Array, append: boolean): Promise<number> {
    if (append) return this.upper.write(this.domid, this.upperId, position, data);
    const { first, end } = pageSpan(position, data.length);
    const pages = this.record.basePages(first, end);
    // One write (one fdatasync): the base's bytes of the first and last pages around the data.
    const from = pages[0] === first ? Math.min(position, first * PAGE_SIZE) : position;
    const last = end - 1;
    const tailEnd = Math.min(end * PAGE_SIZE, this.record.baseSize);
    const to = pages.at(-1) === last ? Math.max(position + data.length, tailEnd) : position + data.length;
    let bytes = data;
    if (from < position || to > position + data.length) {
      bytes = new Uint8Array(to - from);
      if (from < position) bytes.set(await this.#baseBytes(from, position), 0);
      if (to > position + data.length) {
        bytes.set(await this.#baseBytes(position + data.length, to), position + data.length - from);
      }
      bytes.set(data, position - from);
    }
    const written = await this.upper.write(this.domid, this.writerId ?? this.upperId, from, bytes);
    await this.#mark(pages);
    return Math.max(0, Math.min(data.length, written - (position - from)));
  }

  /** The base's bytes of [from, to), zeros past its end (or past a base file that shrank). */
  async #baseBytes(from: number, to: number): Promise<Uint8Array> {
    const out = new Uint8Array(to - from);
    const stop = Math.min(to, this.record.baseSize);
    if (stop > from) out.set(await this.readBase(from, stop - from), 0);
    return out;
  }

  /** The upper's new size; pages below it that were the base's stay so. */
  async truncate(size: number): Promise<void> {
    const record = this.record;
    if (size < record.baseSize) {
      const boundary = Math.floor(size / PAGE_SIZE);
      // Bytes below `size` of a base page cut in two must be the upper's before the cut.
      if (size % PAGE_SIZE !== 0 && record.fromBase(boundary)) await this.#fill([boundary]);
      await this.upper.ftruncate(this.domid, this.writerId ?? this.upperId, size);
      if (size % PAGE_SIZE !== 0) record.changed.add(boundary);
      record.baseSize = boundary * PAGE_SIZE;
    } else {
      await this.upper.ftruncate(this.domid, this.writerId ?? this.upperId, size);
    }
    const last = Math.ceil(size / PAGE_SIZE);
    for (const index of [...record.changed]) if (index >= last) record.changed.delete(index);
    await record.save();
  }

  /** Makes every page the upper's (a full copy-up): the base's bytes go in, the record goes. */
  async makeWhole(): Promise<void> {
    const pages = this.record.basePages(0, Math.ceil(this.record.baseSize / PAGE_SIZE));
    for (let i = 0; i < pages.length; i += WHOLE_CHUNK_PAGES) {
      await this.#fill(pages.slice(i, i + WHOLE_CHUNK_PAGES));
    }
    this.record.baseSize = 0;
    this.record.changed.clear();
    await this.record.remove();
  }

  /** Makes `pages` the upper's: the base's bytes go in, and the record says so. */
  async own(pages: readonly number[]): Promise<void> {
    await this.#fill(pages);
    await this.#mark(pages);
  }

  /** Gives the upper the base's bytes of `pages` (not yet marked). */
  async #fill(pages: readonly number[]): Promise<void> {
    for (const run of runsOf(pages)) {
      const from = run.first * PAGE_SIZE;
      const to = Math.min((run.first + run.count) * PAGE_SIZE, this.record.baseSize);
      if (to <= from) continue;
      const bytes = await this.readBase(from, to - from);
      if (bytes.length > 0) await this.upper.write(this.domid, this.writerId ?? this.upperId, from, bytes);
    }
  }

  async #mark(pages: readonly number[]): Promise<void> {
    if (pages.length === 0) return;
    for (const index of pages) this.record.changed.add(index);
    await this.record.save();
  }
}

function runsOf(pages: readonly number[]): { first: number; count: number }[] {
  const runs: { first: number; count: number }[] = [];
  for (const index of pages) {
    const last = runs.at(-1);
    if (last && last.first + last.count === index) last.count += 1;
    else runs.push({ first: index, count: 1 });
  }
  return runs;
}
