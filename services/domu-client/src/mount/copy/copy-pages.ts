// Copy mode, the 9P-style baseline: every read is a `read` request; dom0 grant-copies the bytes
// into the guest's own page-cache frames, and the guest reads them from there. Nothing is
// shared and nothing is read without asking.
import { FSIF_NR_GNTS, PAGE_SIZE } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import type { DataPath } from "../data-path.js";
import type { OpenFile } from "../open-file.js";
import type { Remote } from "../remote.js";
import type { OwnPageCache } from "./own-page-cache.js";

export class CopyPages implements DataPath {
  readonly mode = "copy";

  constructor(
    private readonly domain: XenDomain,
    private readonly remote: Remote,
    private readonly cache: OwnPageCache,
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

  async read(file: OpenFile, target: Uint8Array, position: number): Promise<number> {
    file.ino ??= (await this.remote.fstat(file)).ino;
    let done = 0;
    while (done < target.length) {
      const at = position + done;
      const first = Math.floor(at / PAGE_SIZE);
      const skip = at - first * PAGE_SIZE;
      const count = Math.min(Math.ceil((skip + target.length - done) / PAGE_SIZE), FSIF_NR_GNTS);
      const pages = await this.cache.pin(file.ino, first, count);
      try {
        const grefs = pages.map((page) => page.gref);
        const bytes = await this.remote.read(file, first * PAGE_SIZE, count * PAGE_SIZE, grefs);
        const take = Math.min(bytes - skip, target.length - done);
        if (take <= 0) break;
        const parts = await Promise.all(
          pages.slice(0, Math.ceil((skip + take) / PAGE_SIZE)).map((page, i) => {
            const start = i === 0 ? skip : 0;
            const end = Math.min(PAGE_SIZE, skip + take - i * PAGE_SIZE);
            return this.domain.memory.read(page.gpfn, start, end - start);
          }),
        );
        for (const part of parts) {
          target.set(part, done);
          done += part.length;
        }
        if (bytes < count * PAGE_SIZE) break;
      } finally {
        this.cache.unpin(pages);
      }
    }
    return done;
  }

  async reset(): Promise<void> {
    this.cache.clear();
  }

  async close(): Promise<void> {
    this.cache.clear();
  }
}
