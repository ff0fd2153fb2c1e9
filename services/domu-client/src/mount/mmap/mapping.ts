// One mapping of a file range (docs/mmap.md): dom0's page-cache frames mapped into this guest.
// A shared mapping maps the frames themselves, so every mapper of the range reads and writes the
// same bytes (on shm a store is in the others' view at once; on socket the hypervisor's frame
// coherence carries it before any later event). A private mapping maps them copy-to-write: its
// first store into a page gets this guest a private frame from the hypervisor, unseen by others.
import { FsError, PAGE_SIZE } from "@xenfs/fsproto";
import { type AtomicWidth, type XenDomain, XenError } from "@xenfs/libxen";

/** A page of the mapping: the grant dom0 gave for it and where it sits in this guest. */
export interface MappedPage {
  readonly gref: number;
  readonly handle: number;
  readonly gpfn: number;
}

/** What the mapping needs of the mount: msync and the unmap's bookkeeping with dom0. */
export interface MappingOwner {
  msync(): Promise<void>;
  /** Tells dom0 the grants are unmapped and closes the file. */
  release(grefs: readonly number[]): Promise<void>;
}

export interface MappingShape {
  readonly path: string;
  readonly length: number;
  readonly shared: boolean;
  readonly writable: boolean;
}

export class XenfsMapping {
  #pages: readonly MappedPage[] | undefined;
  /** While the domain moves (docs/migration.md#xenfs-frontend): accesses wait for it. */
  #held: Promise<void> | undefined;
  #release: () => void = () => {};
  /** Not mapped again after a move: every access fails with this. */
  #lost: FsError | undefined;
  /** Accesses under way, and who waits for them to end. */
  #active = 0;
  #idle: (() => void) | undefined;

  constructor(
    private readonly domain: XenDomain,
    private readonly owner: MappingOwner,
    readonly shape: MappingShape,
    pages: readonly MappedPage[],
  ) {
    this.#pages = pages;
  }

  get length(): number {
    return this.shape.length;
  }

  /**
   * The pages are about to be unmapped (the domain suspends): new accesses wait until `resume`;
   * resolves, with the pages, once the accesses under way are done.
   */
  async hold(): Promise<readonly MappedPage[]> {
    this.#held ??= new Promise<void>((resolve) => {
      this.#release = resolve;
    });
    if (this.#active > 0)
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
    return this.#pages ?? [];
  }

  /** Runs one access once no move is under way, counted so a move waits for it. */
  async #use<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#held) await this.#held;
    this.#active += 1;
    try {
      return await fn();
    } finally {
      this.#active -= 1;
      if (this.#active === 0) this.#idle?.();
    }
  }

  /** Mapped again (on the target's dom0), or `lost` if that failed; waiting accesses go on. */
  resume(pages: readonly MappedPage[] | FsError): void {
    if (pages instanceof FsError) {
      this.#lost = pages;
      this.#pages = undefined;
    } else if (this.#pages) this.#pages = pages;
    this.#held = undefined;
    this.#release();
  }

  /** Bytes [offset, offset + length) of the mapping. */
  read(offset: number, length: number): Promise<Buffer> {
    return this.#use(async () => {
      const out = Buffer.alloc(length);
      for (const { page, at, inPage, n } of this.#spans("read", offset, length)) {
        out.set(await this.#access(() => this.domain.memory.read(page.gpfn, inPage, n)), at);
      }
      return out;
    });
  }

  /** Stores `data` at `offset`. A shared mapping's other mappers see it at once. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    this.#checkWritable("write");
    await this.#use(async () => {
      for (const { page, at, inPage, n } of this.#spans("write", offset, data.length)) {
        await this.#access(() => this.domain.memory.write(page.gpfn, inPage, data.subarray(at, at + n)));
      }
    });
  }

  /** Atomic compare-and-exchange of the 4- or 8-byte little-endian word at `offset`; returns the old value. */
  async compareExchange(
    offset: number,
    width: AtomicWidth,
    expected: bigint,
    desired: bigint,
  ): Promise<bigint> {
    this.#checkWritable("compareExchange");
    return this.#use(() => {
      const [{ page, inPage }] = this.#spans("compareExchange", offset, width) as [Span];
      return this.#access(() => this.domain.memory.cmpxchg(page.gpfn, inPage, width, expected, desired));
    });
  }

  /** Atomic (wrapping) add to the 4- or 8-byte little-endian word at `offset`; returns the old value. */
  async add(offset: number, width: AtomicWidth, addend: bigint): Promise<bigint> {
    this.#checkWritable("add");
    return this.#use(() => {
      const [{ page, inPage }] = this.#spans("add", offset, width) as [Span];
      return this.#access(() => this.domain.memory.add(page.gpfn, inPage, width, addend));
    });
  }

  /** Writes the mapping's pages to the file on disk (a private mapping's stores never reach it). */
  async msync(): Promise<void> {
    while (this.#held) await this.#held;
    this.#live("msync");
    if (this.shape.shared && this.shape.writable) await this.owner.msync();
  }

  /** Unmaps every page; dom0 writes the pages back if this was their last writable mapping. */
  async unmap(): Promise<void> {
    while (this.#held) await this.#held;
    const pages = this.#pages;
    if (!pages) return;
    this.#pages = undefined;
    await Promise.all(pages.map((page) => this.domain.grants.unmapGrantRef(page.handle).catch(() => {})));
    await this.owner.release(pages.map((page) => page.gref));
  }

  #live(syscall: string): readonly MappedPage[] {
    if (this.#lost) throw this.#lost;
    if (!this.#pages) throw new FsError("EINVAL", { syscall, path: this.shape.path });
    return this.#pages;
  }

  #checkWritable(syscall: string): void {
    if (!this.shape.writable) throw new FsError("EACCES", { syscall, path: this.shape.path });
  }

  /**
   * The page pieces of [offset, offset + length). Outside the mapping, or in a page past the
   * end of file (dom0 grants none there), is EFAULT: where Linux raises SIGBUS.
   */
  #spans(syscall: string, offset: number, length: number): Span[] {
    const pages = this.#live(syscall);
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0) {
      throw new FsError("EINVAL", { syscall, path: this.shape.path });
    }
    if (offset + length > this.shape.length || offset + length > pages.length * PAGE_SIZE) {
      throw new FsError("EFAULT", { syscall, path: this.shape.path });
    }
    const spans: Span[] = [];
    for (let at = 0; at < length; ) {
      const position = offset + at;
      const inPage = position % PAGE_SIZE;
      const n = Math.min(length - at, PAGE_SIZE - inPage);
      spans.push({ page: pages[Math.floor(position / PAGE_SIZE)] as MappedPage, at, inPage, n });
      at += n;
    }
    return spans;
  }

  /** A hypervisor refusal (a page taken away, a misaligned atomic) as the fs error Node would give. */
  async #access<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof XenError && error.code === "EINVAL") {
        throw new FsError("EINVAL", { syscall: "mmap", path: this.shape.path });
      }
      if (error instanceof XenError) throw new FsError("EFAULT", { syscall: "mmap", path: this.shape.path });
      throw error;
    }
  }
}

interface Span {
  readonly page: MappedPage;
  /** Offset in the caller's bytes. */
  readonly at: number;
  readonly inPage: number;
  readonly n: number;
}
