// mount.mmap (docs/mmap.md): opens the file for the mapping's lifetime, asks dom0 for grants of
// the range's page-cache frames and maps them — as they are for a shared mapping (writable when
// asked), copy-to-write for a private one.
import { FsError, O, PAGE_SIZE } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import type { Files } from "../files.js";
import type { Remote } from "../remote.js";
import { type MappedPage, XenfsMapping } from "./mapping.js";

export interface MmapOptions {
  /** Where the mapping starts in the file: a multiple of the page size (4096), as for mmap(2). */
  readonly offset?: number;
  readonly length: number;
  /** MAP_SHARED (the default): every mapper shares the frames. false: MAP_PRIVATE. */
  readonly shared?: boolean;
  /** PROT_WRITE; a shared writable mapping needs the file writable (it is opened r+). */
  readonly writable?: boolean;
}

export class Mapper {
  readonly #live = new Set<XenfsMapping>();

  constructor(
    private readonly domain: XenDomain,
    private readonly remote: Remote,
    private readonly files: Files,
    private readonly backendDomid: number,
  ) {}

  async mmap(path: string, options: MmapOptions): Promise<XenfsMapping> {
    const offset = options.offset ?? 0;
    const { length } = options;
    const shared = options.shared ?? true;
    const writable = options.writable ?? false;
    if (
      !Number.isInteger(offset) ||
      offset < 0 ||
      offset % PAGE_SIZE !== 0 ||
      !Number.isInteger(length) ||
      length <= 0
    ) {
      throw new FsError("EINVAL", { syscall: "mmap", path });
    }
    const file = await this.files.open(path, shared && writable ? O.O_RDWR : O.O_RDONLY, 0);
    const first = offset / PAGE_SIZE;
    const count = Math.ceil(length / PAGE_SIZE);
    let grefs: readonly number[] = [];
    const pages: MappedPage[] = [];
    const release = async (refs: readonly number[]) => {
      try {
        if (refs.length > 0) await this.remote.munmap(refs);
      } finally {
        await this.files.close(file);
      }
    };
    try {
      grefs = await this.remote.mmap(file, first, count, shared && writable);
      for (const gref of grefs) {
        const how = shared ? { readonly: !writable } : writable ? { copyToWrite: true } : { readonly: true };
        const { handle, gpfn } = await this.domain.grants.mapGrantRef(this.backendDomid, gref, how);
        pages.push({ gref, handle, gpfn });
      }
    } catch (error) {
      await Promise.allSettled(pages.map((page) => this.domain.grants.unmapGrantRef(page.handle)));
      await release(grefs).catch(() => {});
      throw error;
    }
    const mapping = new XenfsMapping(
      this.domain,
      {
        msync: () => this.remote.msync(file, first, count),
        release: (refs) => {
          this.#live.delete(mapping);
          return release(refs);
        },
      },
      { path, length, shared, writable },
      pages,
    );
    this.#live.add(mapping);
    return mapping;
  }

  /** Unmount: unmaps what is still mapped (dom0 writes dirty pages back). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#live].map((mapping) => mapping.unmap()));
  }
}
