import { RingError } from "./errors.js";
import { SRING, XEN_PAGE_SIZE } from "./layout.js";
import type { RingPage } from "./page.js";

/**
 * struct <name>_sring over a page (or the pages of a multi-page ring, seen as one): the four
 * shared indices and the entries. Each property access is one u32 read or write of the page, so
 * a caller that needs a value twice keeps it.
 */
export class Sring {
  /** One entry's bytes, reused by every slot write (pages copy what they are given). */
  readonly scratch: Uint8Array;

  constructor(
    readonly page: RingPage,
    readonly entrySize: number,
    readonly nr_ents: number,
  ) {
    if (page.size < XEN_PAGE_SIZE) {
      throw new RingError("EINVAL", `a ring needs a ${XEN_PAGE_SIZE}-byte page, got ${page.size} bytes`);
    }
    const needed = SRING.ring + nr_ents * entrySize;
    if (needed > page.size) {
      throw new RingError(
        "EINVAL",
        `${nr_ents} entries of ${entrySize} bytes need ${needed} bytes, the page has ${page.size}`,
      );
    }
    this.scratch = new Uint8Array(entrySize);
  }

  get req_prod(): number {
    return this.page.readU32(SRING.req_prod);
  }
  set req_prod(value: number) {
    this.page.writeU32(SRING.req_prod, value);
  }
  get req_event(): number {
    return this.page.readU32(SRING.req_event);
  }
  set req_event(value: number) {
    this.page.writeU32(SRING.req_event, value);
  }
  get rsp_prod(): number {
    return this.page.readU32(SRING.rsp_prod);
  }
  set rsp_prod(value: number) {
    this.page.writeU32(SRING.rsp_prod, value);
  }
  get rsp_event(): number {
    return this.page.readU32(SRING.rsp_event);
  }
  set rsp_event(value: number) {
    this.page.writeU32(SRING.rsp_event, value);
  }

  /** SHARED_RING_INIT: producers 0, events 1, pvt and __pad zeroed; entries are left as they are. */
  init(): void {
    this.req_prod = 0;
    this.rsp_prod = 0;
    this.req_event = 1;
    this.rsp_event = 1;
    this.page.write(SRING.pvt, new Uint8Array(SRING.ring - SRING.pvt));
  }

  /** &ring[idx & (RING_SIZE - 1)] */
  entryOffset(idx: number): number {
    return SRING.ring + (idx & (this.nr_ents - 1)) * this.entrySize;
  }
}
