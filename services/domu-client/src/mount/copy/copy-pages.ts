// Copy mode, the 9P-style baseline: every read is a `read` request; dom0 grant-copies the bytes
// into the guest's own page-cache frames, and the guest reads them from there. Nothing is
// shared and nothing is read without asking. With page flipping negotiated (docs/xenfs.md
// "Page flipping") the pages come by transfer instead, and whole pages of writes leave that way.
import { PAGE_SIZE } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import type { GrantedPage } from "../../frontend/granted-pages.js";
import type { DataPath } from "../data-path.js";
import type { OpenFile } from "../open-file.js";
import type { Remote } from "../remote.js";
import type { OwnPageCache } from "./own-page-cache.js";
import type { PageFlip } from "./page-flip.js";

/** Pages per read request (one indirect gref list), and requests one read keeps in flight. */
const REQUEST_PAGES = 64;
const REQUESTS_IN_FLIGHT = 4;

/** What one request put into the target: bytes, and whether it got all it asked for. */
interface Piece {
  readonly bytes: number;
  readonly full: boolean;
}

export class CopyPages implements DataPath {
  readonly mode = "copy";

  constructor(
    private readonly domain: XenDomain,
    private readonly remote: Remote,
    private readonly cache: OwnPageCache,
    /** Page flipping, and whether the current backend agreed to it. */
    private readonly flip?: { readonly pages: PageFlip; readonly on: () => boolean },
  ) {}

  get pagesHeld(): number {
    return this.cache.size;
  }

  async opened(): Promise<void> {}

  async closed(): Promise<void> {}

  reusable(): boolean {
    return false;
  }

  async size(file: OpenFile): Promise<number> {
    const stat = await this.remote.fstat(file);
    file.ino = stat.ino;
    return stat.size;
  }

  /** Reads in requests of up to REQUEST_PAGES pages, REQUESTS_IN_FLIGHT of them at a time. */
  async read(file: OpenFile, target: Uint8Array, position: number): Promise<number> {
    if (target.length === 0) return 0;
    file.ino ??= (await this.remote.fstat(file)).ino;
    const first = Math.floor(position / PAGE_SIZE);
    const last = Math.floor((position + target.length - 1) / PAGE_SIZE);
    const starts = Array.from(
      { length: Math.ceil((last - first + 1) / REQUEST_PAGES) },
      (_, i) => first + i * REQUEST_PAGES,
    );
    const results: Promise<Piece>[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < starts.length; i = next++) {
        const start = starts[i] as number;
        const piece = this.#readPages(
          file,
          start,
          Math.min(REQUEST_PAGES, last - start + 1),
          target,
          position,
        );
        results[i] = piece;
        // Past the end of the file: no more requests.
        if (!(await piece).full) next = starts.length;
      }
    };
    await Promise.all(Array.from({ length: REQUESTS_IN_FLIGHT }, worker));
    let done = 0;
    for (const piece of await Promise.all(results)) {
      done += piece.bytes;
      if (!piece.full) break;
    }
    return done;
  }

  /** Pages [start, start + count) into their part of `target` (which starts at file offset `position`). */
  async #readPages(
    file: OpenFile,
    start: number,
    count: number,
    target: Uint8Array,
    position: number,
  ): Promise<Piece> {
    const from = Math.max(position, start * PAGE_SIZE);
    const to = Math.min(position + target.length, (start + count) * PAGE_SIZE);
    if (this.flip?.on()) {
      const flip = this.flip.pages;
      const { bytes, gpfns } = await flip.read(file, start, count);
      try {
        return await this.#take(
          gpfns,
          start,
          from,
          Math.min(to, start * PAGE_SIZE + bytes),
          to,
          target,
          position,
        );
      } finally {
        await flip.release(gpfns);
      }
    }
    const pages = await this.cache.pin(file.ino as number, start, count);
    try {
      const grefs = pages.map((page) => page.gref);
      const bytes = await this.remote.read(file, start * PAGE_SIZE, count * PAGE_SIZE, grefs);
      const gpfns = pages.map((page: GrantedPage) => page.gpfn);
      return await this.#take(
        gpfns,
        start,
        from,
        Math.min(to, start * PAGE_SIZE + bytes),
        to,
        target,
        position,
      );
    } finally {
      this.cache.unpin(pages);
    }
  }

  /** File bytes [from, end) out of the frames of pages start…, into `target` (at file offset `position`). */
  async #take(
    gpfns: readonly number[],
    start: number,
    from: number,
    end: number,
    to: number,
    target: Uint8Array,
    position: number,
  ): Promise<Piece> {
    const parts = await Promise.all(
      pageSpans(from, end).map(({ index, offset, length }) =>
        this.domain.memory.read(gpfns[index - start] as number, offset, length),
      ),
    );
    let at = from - position;
    for (const part of parts) {
      target.set(part, at);
      at += part.length;
    }
    return { bytes: Math.max(0, end - from), full: end === to };
  }

  /** Whole pages by flip when the backend agreed to it; otherwise undefined (the copy path writes). */
  get write(): ((file: OpenFile, data: Uint8Array, position: number) => Promise<number>) | undefined {
    const flip = this.flip;
    if (!flip?.on()) return undefined;
    return (file, data, position) => flip.pages.write(file, data, position);
  }

  async reset(): Promise<void> {
    this.flip?.pages.reset();
    this.cache.clear();
  }

  async close(): Promise<void> {
    this.cache.clear();
  }
}

/** The file bytes [from, end) page by page: page index, offset in it, length. */
function pageSpans(from: number, end: number): { index: number; offset: number; length: number }[] {
  const spans = [];
  for (let at = from; at < end; ) {
    const offset = at % PAGE_SIZE;
    const length = Math.min(PAGE_SIZE - offset, end - at);
    spans.push({ index: Math.floor(at / PAGE_SIZE), offset, length });
    at += length;
  }
  return spans;
}
