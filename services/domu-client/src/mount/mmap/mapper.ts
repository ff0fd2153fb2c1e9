// mount.mmap (docs/mmap.md): opens the file for the mapping's lifetime, asks dom0 for grants of
// the range's page-cache frames and maps them — as they are for a shared mapping (writable when
// asked), copy-to-write for a private one.
import { FsError, O, PAGE_SIZE } from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import type { Files } from "../files.js";
import type { OpenFile } from "../open-file.js";
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

/** What a live mapping needs to be mapped again elsewhere. */
interface Live {
  readonly file: OpenFile;
  readonly first: number;
  readonly count: number;
  readonly shared: boolean;
  readonly writable: boolean;
  /** A private writable mapping's bytes, kept across a move (its copies were this host's frames). */
  saved?: Uint8Array[] | undefined;
  /** Its pages are this host's dom0's, mapped here: false from a suspend until mapped again. */
  mapped: boolean;
}

export class Mapper {
  readonly #live = new Map<XenfsMapping, Live>();
  /** The mapping again after the last move, while under way: a next suspend waits for it. */
  #resuming: Promise<void> = Promise.resolve();

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
    const live: Live = {
      file,
      first: offset / PAGE_SIZE,
      count: Math.ceil(length / PAGE_SIZE),
      shared,
      writable,
      mapped: true,
    };
    let pages: MappedPage[];
    try {
      pages = await this.#map(live);
    } catch (error) {
      await this.files.close(file).catch(() => {});
      throw error;
    }
    const mapping = new XenfsMapping(
      this.domain,
      {
        msync: () => this.files.withFd(file, () => this.remote.msync(file, live.first, live.count), "msync"),
        release: async (refs) => {
          this.#live.delete(mapping);
          try {
            if (refs.length > 0) await this.remote.munmap(refs);
          } finally {
            await this.files.close(file);
          }
        },
      },
      { path, length, shared, writable },
      pages,
    );
    this.#live.set(mapping, live);
    return mapping;
  }

  /**
   * The domain is about to suspend (docs/migration.md#xenfs-frontend): dom0's frames are this
   * host's, so every mapping is written back (shared, writable) or kept as bytes (private,
   * writable), unmapped and given back to dom0; accesses wait until `resume`. A resume still
   * under way (the domain moves again soon after a move) finishes first: the pages it maps are
   * this host's and must go back before the domain leaves, and the pages the mapping held before
   * are gone already. A mapping not mapped again since the last suspend has nothing to give back.
   */
  async suspend(): Promise<void> {
    await this.#resuming;
    await Promise.all(
      [...this.#live].map(async ([mapping, live]) => {
        const pages = await mapping.hold();
        if (!live.mapped) return;
        live.mapped = false;
        if (live.shared && live.writable)
          await this.remote.msync(live.file, live.first, live.count).catch(() => {});
        if (!live.shared && live.writable)
          live.saved = await Promise.all(
            pages.map((page) => this.domain.memory.read(page.gpfn, 0, PAGE_SIZE)),
          );
        await Promise.all(pages.map((page) => this.domain.grants.unmapGrantRef(page.handle).catch(() => {})));
        await this.remote.munmap(pages.map((page) => page.gref)).catch(() => {});
      }),
    );
  }

  /**
   * Connected to the (target's) backend again: each mapping is mapped afresh from its file (reopened
   * by path), a private one's own bytes written back where they differ. One that cannot be
   * mapped again fails every later access with that error, as a mapping of a vanished file would.
   */
  resume(): Promise<void> {
    const resuming = this.#resuming.then(() => this.#remapAll());
    this.#resuming = resuming;
    return resuming;
  }

  async #remapAll(): Promise<void> {
    await Promise.all(
      [...this.#live].map(async ([mapping, live]) => {
        if (live.mapped) return;
        try {
          const pages = await this.#map(live);
          live.mapped = true;
          const saved = live.saved ?? [];
          live.saved = undefined;
          for (const [index, bytes] of saved.entries()) {
            const page = pages[index];
            if (!page) continue;
            const now = await this.domain.memory.read(page.gpfn, 0, PAGE_SIZE);
            if (!Buffer.from(now).equals(Buffer.from(bytes)))
              await this.domain.memory.write(page.gpfn, 0, bytes);
          }
          mapping.resume(pages);
        } catch (error) {
          this.#live.delete(mapping);
          await this.files.close(live.file).catch(() => {});
          this.domain.session.logger.warn(
            { err: error, path: live.file.path },
            "a mapping could not be mapped again after the move",
          );
          mapping.resume(
            error instanceof FsError
              ? error
              : Object.assign(new FsError("EIO", { syscall: "mmap", path: live.file.path }), {
                  cause: error,
                }),
          );
        }
      }),
    );
  }

  /** Unmount: unmaps what is still mapped (dom0 writes dirty pages back). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#live.keys()].map((mapping) => mapping.unmap()));
  }

  /** Grants of the range's frames from dom0, mapped here as the mapping asks. */
  async #map(live: Live): Promise<MappedPage[]> {
    const { file, first, count, shared, writable } = live;
    const grefs = await this.files.withFd(
      file,
      () => this.remote.mmap(file, first, count, shared && writable),
      "mmap",
    );
    const pages: MappedPage[] = [];
    try {
      for (const gref of grefs) {
        const how = shared ? { readonly: !writable } : writable ? { copyToWrite: true } : { readonly: true };
        const { handle, gpfn } = await this.domain.grants.mapGrantRef(this.backendDomid, gref, how);
        pages.push({ gref, handle, gpfn });
      }
    } catch (error) {
      await Promise.allSettled(pages.map((page) => this.domain.grants.unmapGrantRef(page.handle)));
      await this.remote.munmap(grefs).catch(() => {});
      throw error;
    }
    return pages;
  }
}
