// Each XenFS request as a typed call: arguments written into granted pages, results read back
// from them, failures as Node-shaped FsErrors naming the syscall Node would name.
import {
  type DirEntry,
  dirListCodec,
  FSIF_NR_GNTS,
  FSIF_NR_RELEASE_GNTS,
  type FsErrorContext,
  type FsOkResponseOf,
  type FsOp,
  type GrefSet,
  grefListBytes,
  grefListCodec,
  PAGE_SIZE,
  type PageArg,
  pathCodec,
  type StatRecord,
} from "@xenfs/fsproto";
import type { XenDomain } from "@xenfs/libxen";
import type { GrantedPage, GrantedPagePool } from "../frontend/granted-pages.js";
import type { FsCall, RequestClient } from "../frontend/request-client.js";

/** An fd and the connection it belongs to. */
export interface FdRef {
  readonly fd: number;
  readonly epoch: number;
  readonly path: string;
}

export type OpenResult = FsOkResponseOf<"open"> & { readonly epoch: number };

export interface RemotePools {
  /** Read-only to dom0: paths and write data. */
  readonly args: GrantedPagePool;
  /** Writable by dom0: listings and link targets. */
  readonly results: GrantedPagePool;
  /** Indirect gref lists (writable by dom0, which fills map_pages' list). */
  readonly lists: GrantedPagePool;
}

export class Remote {
  constructor(
    private readonly domain: XenDomain,
    private readonly client: RequestClient,
    private readonly pools: RemotePools,
  ) {}

  get epoch(): number {
    return this.client.epoch;
  }

  async open(path: string, flags: number, mode: number): Promise<OpenResult> {
    const rsp = await this.#withPaths([path], ([arg]) =>
      this.#call({ op: "open", path: arg, flags, mode }, { syscall: "open", path }),
    );
    // The connection that answered, read now: an open re-issued after a reconnect got its fd on
    // the new one. (A new connection comes with I/O, never between an answer and its awaiter.)
    return { ...rsp, epoch: this.client.epoch };
  }

  async close(file: FdRef): Promise<void> {
    await this.#fdCall({ op: "close", fd: file.fd }, file, "close");
  }

  async fstat(file: FdRef): Promise<StatRecord> {
    return (await this.#fdCall({ op: "fstat", fd: file.fd }, file, "fstat")).stat;
  }

  async ftruncate(file: FdRef, length: number): Promise<void> {
    await this.#fdCall({ op: "ftruncate", fd: file.fd, length }, file, "ftruncate");
  }

  async sync(file: FdRef): Promise<void> {
    await this.#fdCall({ op: "sync", fd: file.fd }, file, "fsync");
  }

  /** Grants of dom0's cache frames for pages [first, first + count), fewer at end of file. */
  mapPages(file: FdRef, first: number, count: number): Promise<readonly number[]> {
    return this.#pageGrants(count, (indirect, listGref) =>
      this.#fdCall({ op: "map_pages", fd: file.fd, first, count, indirect, listGref }, file, "read"),
    );
  }

  /**
   * Grants of dom0's cache frames for a mapping of pages [first, first + count), writable when
   * `writable` (docs/mmap.md); fewer at end of file.
   */
  mmap(file: FdRef, first: number, count: number, writable: boolean): Promise<readonly number[]> {
    return this.#pageGrants(count, (indirect, listGref) =>
      this.#fdCall({ op: "mmap", fd: file.fd, first, count, writable, indirect, listGref }, file, "mmap"),
    );
  }

  /** dom0 writes the mapped pages [first, first + count) of `file` to disk. */
  async msync(file: FdRef, first: number, count: number): Promise<void> {
    await this.#fdCall({ op: "msync", fd: file.fd, first, count }, file, "msync");
  }

  /** Tells dom0 these mapping grants are unmapped, in batches a slot can carry. */
  async munmap(grefs: readonly number[]): Promise<void> {
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < grefs.length; i += FSIF_NR_RELEASE_GNTS) {
      const batch = grefs.slice(i, i + FSIF_NR_RELEASE_GNTS);
      batches.push(this.#call({ op: "munmap", pages: { grefs: batch } }, { syscall: "munmap" }));
    }
    await Promise.all(batches);
  }

  /** Copy mode: dom0 grant-copies up to `len` bytes at `offset` into `grefs`' pages. */
  async read(file: FdRef, offset: number, len: number, grefs: readonly number[]): Promise<number> {
    const call = async (pages: GrefSet) =>
      (await this.#fdCall({ op: "read", fd: file.fd, len, offset, pages }, file, "read")).bytes;
    if (grefs.length <= FSIF_NR_GNTS) return call({ grefs });
    return this.#withList(async (list) => {
      await this.domain.memory.write(list.gpfn, 0, grefListCodec.encode(grefs));
      return call({ listGref: list.gref, count: grefs.length });
    });
  }

  /** Writes `data` at `position`, at most FSIF_NR_GNTS pages per request; returns bytes written. */
  async write(file: FdRef, data: Uint8Array, position: number): Promise<number> {
    let written = 0;
    while (written < data.length) {
      const chunk = data.subarray(written, written + FSIF_NR_GNTS * PAGE_SIZE);
      const pages = await this.pools.args.acquire(Math.ceil(chunk.length / PAGE_SIZE));
      try {
        await Promise.all(
          pages.map((page, i) =>
            this.domain.memory.write(page.gpfn, 0, chunk.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)),
          ),
        );
        const grefs = pages.map((page) => page.gref);
        const request = {
          op: "write",
          fd: file.fd,
          len: chunk.length,
          offset: position + written,
          pages: { grefs },
        } as const;
        const { bytes } = await this.#fdCall(request, file, "write");
        written += bytes;
        if (bytes < chunk.length) break;
      } finally {
        this.pools.args.release(pages);
      }
    }
    return written;
  }

  /**
   * Page flipping: `len` bytes (whole pages) at `offset`, in the frames this guest transferred
   * into dom0's refs `refs` (docs/xenfs.md "Page flipping").
   */
  async writeFlip(file: FdRef, offset: number, len: number, refs: readonly number[]): Promise<number> {
    const request = { op: "write_flip", fd: file.fd, len, offset, pages: { grefs: refs } } as const;
    return (await this.#fdCall(request, file, "write")).bytes;
  }

  /** Page flipping: up to `count` more accept_transfer refs of dom0's for whole-page writes. */
  async flipRefs(count: number): Promise<{ refs: number[]; epoch: number }> {
    const [page] = (await this.pools.results.acquire(1)) as [GrantedPage];
    try {
      const buf = { gref: page.gref, length: PAGE_SIZE };
      const rsp = await this.#call({ op: "flip_refs", count, buf }, { syscall: "write" });
      // The refs are the answering connection's dom0's, read now as open reads its fd's.
      const epoch = this.client.epoch;
      const refs = [
        ...grefListCodec.decode(await this.domain.memory.read(page.gpfn, 0, grefListBytes(rsp.count))),
      ];
      return { refs, epoch };
    } finally {
      this.pools.results.release([page]);
    }
  }

  /** Tells dom0 these grants are unmapped, in batches a slot can carry. */
  async releasePages(grefs: readonly number[]): Promise<void> {
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < grefs.length; i += FSIF_NR_RELEASE_GNTS) {
      const batch = grefs.slice(i, i + FSIF_NR_RELEASE_GNTS);
      batches.push(this.#call({ op: "release_pages", pages: { grefs: batch } }, {}));
    }
    await Promise.all(batches);
  }

  async stat(path: string, op: "stat" | "lstat"): Promise<StatRecord> {
    const rsp = await this.#withPaths([path], ([arg]) =>
      this.#call({ op, path: arg }, { syscall: op, path }),
    );
    return rsp.stat;
  }

  async create(path: string, mode: number, directory: boolean): Promise<void> {
    const syscall = directory ? "mkdir" : "open";
    await this.#withPaths([path], ([arg]) =>
      this.#call({ op: "create", path: arg, mode, directory }, { syscall, path }),
    );
  }

  async pathOp(op: "unlink" | "rmdir", path: string): Promise<void> {
    await this.#withPaths([path], ([arg]) => this.#call({ op, path: arg }, { syscall: op, path }));
  }

  async truncate(path: string, length: number): Promise<void> {
    await this.#withPaths([path], ([arg]) =>
      this.#call({ op: "truncate", path: arg, length }, { syscall: "open", path }),
    );
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.#withPaths([path], ([arg]) =>
      this.#call({ op: "chmod", path: arg, mode }, { syscall: "chmod", path }),
    );
  }

  async rename(oldPath: string, newPath: string): Promise<void> {
    await this.#withPaths([oldPath, newPath], ([from, to]) =>
      this.#call(
        { op: "rename", oldPath: from, newPath: to },
        { syscall: "rename", path: oldPath, dest: newPath },
      ),
    );
  }

  /** Node names the target `path` and the new link `dest`. */
  async symlink(target: string, path: string): Promise<void> {
    await this.#withPaths([target, path], ([to, at]) =>
      this.#call({ op: "symlink", target: to, path: at }, { syscall: "symlink", path: target, dest: path }),
    );
  }

  async readlink(path: string): Promise<string> {
    return this.#withResult(path, async (arg, buf) => {
      const rsp = await this.#call(
        { op: "readlink", path: arg, buf: buf.arg },
        { syscall: "readlink", path },
      );
      return pathCodec.decode(await this.domain.memory.read(buf.page.gpfn, 0, rsp.length));
    });
  }

  /** Every entry, over as many pages as the listing takes. */
  async readdir(path: string): Promise<DirEntry[]> {
    return this.#withResult(path, async (arg, buf) => {
      const entries: DirEntry[] = [];
      let cookie = 0;
      for (;;) {
        const request = { op: "readdir", path: arg, buf: buf.arg, cookie } as const;
        const rsp = await this.#call(request, { syscall: "scandir", path });
        entries.push(...dirListCodec.decode(await this.domain.memory.read(buf.page.gpfn, 0, rsp.length)));
        if (!rsp.more) return entries;
        cookie = rsp.cookie;
      }
    });
  }

  #call<K extends FsOp>(request: FsCall<K>, context: FsErrorContext): Promise<FsOkResponseOf<K>> {
    return this.client.call(request, { context });
  }

  #fdCall<K extends FsOp>(request: FsCall<K>, file: FdRef, syscall: string): Promise<FsOkResponseOf<K>> {
    return this.client.call(request, { context: { syscall, path: file.path }, epoch: file.epoch });
  }

  /** Writes each path into a read-only argument page for the length of `fn`. */
  async #withPaths<T, const P extends readonly string[]>(
    paths: P,
    fn: (args: { -readonly [K in keyof P]: PageArg }) => Promise<T>,
  ): Promise<T> {
    const encoded = paths.map((path) => pathCodec.encode(path));
    const pages = await this.pools.args.acquire(encoded.length);
    try {
      await Promise.all(
        pages.map((page, i) => this.domain.memory.write(page.gpfn, 0, encoded[i] as Uint8Array)),
      );
      const args = pages.map((page, i) => ({ gref: page.gref, length: (encoded[i] as Uint8Array).length }));
      return await fn(args as { -readonly [K in keyof P]: PageArg });
    } finally {
      this.pools.args.release(pages);
    }
  }

  /** A gref-list page for the length of `fn`. */
  /**
   * A page-grant answer (map_pages, mmap): up to FSIF_NR_GNTS grants in the response itself,
   * more through an indirect list page dom0 fills.
   */
  async #pageGrants(
    count: number,
    ask: (indirect: boolean, listGref: number) => Promise<{ pages: GrefSet }>,
  ): Promise<readonly number[]> {
    if (count <= FSIF_NR_GNTS) {
      const { pages } = await ask(false, 0);
      return "grefs" in pages ? pages.grefs : [];
    }
    return this.#withList(async (list) => {
      const { pages } = await ask(true, list.gref);
      if ("grefs" in pages) return pages.grefs;
      return grefListCodec.decode(await this.domain.memory.read(list.gpfn, 0, grefListBytes(pages.count)));
    });
  }

  async #withList<T>(fn: (list: GrantedPage) => Promise<T>): Promise<T> {
    const [list] = (await this.pools.lists.acquire(1)) as [GrantedPage];
    try {
      return await fn(list);
    } finally {
      this.pools.lists.release([list]);
    }
  }

  /** A path argument and a writable page for the answer. */
  async #withResult<T>(
    path: string,
    fn: (arg: PageArg, buf: { page: GrantedPage; arg: PageArg }) => Promise<T>,
  ): Promise<T> {
    const [page] = (await this.pools.results.acquire(1)) as [GrantedPage];
    try {
      return await this.#withPaths([path], ([arg]) =>
        fn(arg, { page, arg: { gref: page.gref, length: PAGE_SIZE } }),
      );
    } finally {
      this.pools.results.release([page]);
    }
  }
}
