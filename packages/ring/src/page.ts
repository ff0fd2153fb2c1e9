import { RingError } from "./errors.js";
import { XEN_PAGE_SIZE } from "./layout.js";

/**
 * The memory a ring lives in. The ring uses nothing else, so a frame seen through the
 * hypervisor (whose writes reach the peer in the order they are made) works as well as plain
 * memory. u32 values are little-endian, as on every Xen architecture.
 */
export interface RingPage {
  readonly size: number;
  readU32(offset: number): number;
  writeU32(offset: number, value: number): void;
  /** May return a view of live shared memory: the ring copies what it keeps. */
  read(offset: number, length: number): Uint8Array;
  /** Takes a copy of `data` (or has stored it) before returning: the caller may reuse it. */
  write(offset: number, data: Uint8Array): void;
}

/** A RingPage over plain memory. */
export class BufferPage implements RingPage {
  readonly #view: DataView;

  constructor(readonly bytes: Uint8Array = new Uint8Array(4096)) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  readU32(offset: number): number {
    this.#check(offset, 4);
    return this.#view.getUint32(offset, true);
  }

  writeU32(offset: number, value: number): void {
    this.#check(offset, 4);
    this.#view.setUint32(offset, value >>> 0, true);
  }

  read(offset: number, length: number): Uint8Array {
    this.#check(offset, length);
    return this.bytes.subarray(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.#check(offset, data.byteLength);
    this.bytes.set(data, offset);
  }

  #check(offset: number, length: number): void {
    checkAccess(offset, length, this.size);
  }
}

/**
 * The pages of a multi-page ring seen as one RingPage, as the frontend maps its 2^order pages
 * virtually contiguous: byte `offset` is byte `offset % 4096` of page `offset / 4096`. An access
 * that crosses a page boundary (an entry may straddle two pages) becomes one access per page,
 * in address order; one within a page goes straight to that page.
 */
export class PageSpan implements RingPage {
  readonly size: number;

  constructor(readonly pages: readonly RingPage[]) {
    if (pages.length === 0) throw new RingError("EINVAL", "a page span needs at least one page");
    for (const [i, page] of pages.entries()) {
      if (page.size !== XEN_PAGE_SIZE) {
        throw new RingError("EINVAL", `page ${i} of a span has ${page.size} bytes, not ${XEN_PAGE_SIZE}`);
      }
    }
    this.size = pages.length * XEN_PAGE_SIZE;
  }

  readU32(offset: number): number {
    const at = offset % XEN_PAGE_SIZE;
    if (at <= XEN_PAGE_SIZE - 4 && Number.isInteger(offset) && offset >= 0) {
      return this.#page(offset).readU32(at);
    }
    const bytes = this.read(offset, 4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  }

  writeU32(offset: number, value: number): void {
    const at = offset % XEN_PAGE_SIZE;
    if (at <= XEN_PAGE_SIZE - 4 && Number.isInteger(offset) && offset >= 0) {
      this.#page(offset).writeU32(at, value);
      return;
    }
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
    this.write(offset, bytes);
  }

  read(offset: number, length: number): Uint8Array {
    checkAccess(offset, length, this.size);
    const at = offset % XEN_PAGE_SIZE;
    if (at + length <= XEN_PAGE_SIZE) return this.#page(offset).read(at, length);
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const pos = offset + done;
      const n = Math.min(length - done, XEN_PAGE_SIZE - (pos % XEN_PAGE_SIZE));
      out.set(this.#page(pos).read(pos % XEN_PAGE_SIZE, n), done);
      done += n;
    }
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    checkAccess(offset, data.byteLength, this.size);
    for (let done = 0; done < data.byteLength; ) {
      const pos = offset + done;
      const n = Math.min(data.byteLength - done, XEN_PAGE_SIZE - (pos % XEN_PAGE_SIZE));
      this.#page(pos).write(
        pos % XEN_PAGE_SIZE,
        n === data.byteLength ? data : data.subarray(done, done + n),
      );
      done += n;
    }
  }

  #page(offset: number): RingPage {
    const page = this.pages[Math.floor(offset / XEN_PAGE_SIZE)];
    if (!page) throw new RingError("ERANGE", `offset ${offset} is outside a ${this.size}-byte span`);
    return page;
  }
}

function checkAccess(offset: number, length: number, size: number): void {
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new RingError("ERANGE", `access of ${length} bytes at ${offset} is outside a ${size}-byte page`);
  }
}
