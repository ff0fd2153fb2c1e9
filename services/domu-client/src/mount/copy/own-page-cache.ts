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

  /**
   * The frames for pages [first, first + count) of `ino`, held until `unpin`. Frames for the
   * pages not cached yet come in one go: reused from the least recently used past the budget,
   * the rest granted by the pool at once.
   */
  async pin(ino: number, first: number, count: number): Promise<GrantedPage[]> {
    const keys = Array.from({ length: count }, (_, i) => `${ino}:${first + i}`);
    const hits = keys.map((key) => this.#pinCached(key));
    const missing = keys.filter((_, i) => hits[i] === undefined);
    let fresh: GrantedPage[];
    try {
      fresh = await this.#framesFor(missing.length);
    } catch (error) {
      this.unpin(hits.flatMap((frame) => (frame ? [frame.page] : [])));
      throw error;
    }
    const pinned = keys.map((key, i) => {
      // Another read may have cached the page meanwhile: use its frame, give back ours.
      const frame = hits[i] ?? this.#pinCached(key);
      if (frame) return frame.page;
      const page = fresh.shift() as GrantedPage;
      this.#frames.set(key, { key, page, pins: 1 });
      return page;
    });
    if (fresh.length > 0) this.pool.release(fresh);
    return pinned;
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

  #pinCached(key: string): CachedFrame | undefined {
    const frame = this.#frames.get(key);
    if (!frame) return undefined;
    this.#frames.delete(key);
    this.#frames.set(key, frame);
    frame.pins += 1;
    return frame;
  }

  /** `count` frames for new pages: idle ones past the budget first, then from the pool at once. */
  async #framesFor(count: number): Promise<GrantedPage[]> {
    if (count === 0) return [];
    const reused: GrantedPage[] = [];
    for (const frame of [...this.#frames.values()]) {
      if (reused.length === count || this.#frames.size + count - reused.length <= this.budget) break;
      if (frame.pins > 0) continue;
      this.#frames.delete(frame.key);
      reused.push(frame.page);
    }
    const short = count - reused.length;
    try {
      return short > 0 ? [...reused, ...(await this.pool.acquire(short))] : reused;
    } catch (error) {
      this.pool.release(reused);
      throw error;
    }
  }
}
