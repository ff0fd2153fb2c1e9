// Copy mode's page cache: the guest's own frames, granted writable to dom0 once, one per
// (inode, page index) read, least recently used reused first. N guests reading one file hold N
// copies of it here, which is what the copy baseline measures.
import type { GrantedPage, GrantedPagePool } from "../../frontend/granted-pages.js";

interface CachedFrame {
  readonly key: string;
  readonly page: GrantedPage;
  pins: number;
}

export class OwnPageCache {
  /** In least-recently-used order. */
  readonly #frames = new Map<string, CachedFrame>();

  constructor(
    private readonly pool: GrantedPagePool,
    /** Frames kept once no request uses them; the pool has headroom for requests in flight. */
    private readonly budget: number,
  ) {}

  get size(): number {
    return this.#frames.size;
  }

  /** The frames for pages [first, first + count) of `ino`, held until `unpin`. */
  async pin(ino: number, first: number, count: number): Promise<GrantedPage[]> {
    const pinned: CachedFrame[] = [];
    try {
      for (let index = first; index < first + count; index++) {
        const key = `${ino}:${index}`;
        let frame = this.#frames.get(key);
        if (frame) this.#frames.delete(key);
        else frame = { key, page: await this.#frameFor(), pins: 0 };
        frame.pins += 1;
        this.#frames.set(key, frame);
        pinned.push(frame);
      }
    } catch (error) {
      this.unpin(pinned.map((f) => f.page));
      throw error;
    }
    return pinned.map((frame) => frame.page);
  }

  unpin(pages: readonly GrantedPage[]): void {
    const gpfns = new Set(pages.map((page) => page.gpfn));
    for (const frame of this.#frames.values()) if (gpfns.has(frame.page.gpfn)) frame.pins -= 1;
    // Over budget: give unused frames back, so requests waiting on the pool go on.
    for (const frame of [...this.#frames.values()]) {
      if (this.#frames.size <= this.budget) break;
      if (frame.pins > 0) continue;
      this.#frames.delete(frame.key);
      this.pool.release([frame.page]);
    }
  }

  /** Forgets what the frames hold; the frames stay granted in the pool. */
  clear(): void {
    const idle = [...this.#frames.values()].filter((frame) => frame.pins === 0);
    for (const frame of idle) this.#frames.delete(frame.key);
    this.pool.release(idle.map((frame) => frame.page));
  }

  async #frameFor(): Promise<GrantedPage> {
    if (this.#frames.size >= this.budget) {
      for (const frame of this.#frames.values()) {
        if (frame.pins > 0) continue;
        this.#frames.delete(frame.key);
        return frame.page;
      }
    }
    return ((await this.pool.acquire(1)) as [GrantedPage])[0];
  }
}
