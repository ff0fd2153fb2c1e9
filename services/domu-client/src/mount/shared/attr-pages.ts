// dom0's attribute pages this guest has mapped (read-only, once per grant, while a file whose
// record is in it is open): a file's size and version read locally, with no request.
import { ATTR_RECORD_SIZE, type AttrRecord, attrRecordCodec, attrRecordOffset } from "@xenfs/fsproto";
import type { FramePage, GrantRevokeEvent, XenDomain } from "@xenfs/libxen";

interface MappedAttrPage {
  readonly handle: number;
  readonly page: FramePage;
  users: number;
}

export class AttrPages {
  readonly #pages = new Map<number, Promise<MappedAttrPage>>();
  readonly #mapped = new Map<number, MappedAttrPage>();

  constructor(
    private readonly domain: XenDomain,
    private readonly backendDomid: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Maps the page behind `gref` unless mapped already, and counts one more user. */
  async acquire(gref: number): Promise<void> {
    let mapping = this.#pages.get(gref);
    if (!mapping) {
      mapping = this.#map(gref);
      this.#pages.set(gref, mapping);
      mapping.catch(() => this.#pages.delete(gref));
    }
    (await mapping).users += 1;
  }

  async release(gref: number): Promise<void> {
    const mapped = this.#mapped.get(gref);
    if (!mapped || --mapped.users > 0) return;
    this.#mapped.delete(gref);
    this.#pages.delete(gref);
    await this.domain.grants.unmapGrantRef(mapped.handle).catch(this.onError);
  }

  /** The record as the guest's copy of the page has it; undefined once the page is gone. */
  record(gref: number, index: number): AttrRecord | undefined {
    const mapped = this.#mapped.get(gref);
    if (!mapped?.page.valid) return undefined;
    try {
      return attrRecordCodec.decode(mapped.page.read(attrRecordOffset(index), ATTR_RECORD_SIZE));
    } catch {
      // Taken by force, or a record dom0 should not have written: ask instead.
      return undefined;
    }
  }

  onRevoke(event: GrantRevokeEvent): boolean {
    if (event.dom !== this.backendDomid) return false;
    const entry = [...this.#mapped].find(([, m]) => m.handle === event.handle);
    if (!entry) return false;
    this.#mapped.delete(entry[0]);
    this.#pages.delete(entry[0]);
    if (!event.forced) this.domain.grants.unmapGrantRef(event.handle).catch(this.onError);
    return true;
  }

  async clear(): Promise<void> {
    const mapped = [...this.#mapped.values()];
    this.#mapped.clear();
    this.#pages.clear();
    await Promise.all(mapped.map((m) => this.domain.grants.unmapGrantRef(m.handle).catch(this.onError)));
  }

  async #map(gref: number): Promise<MappedAttrPage> {
    const { handle, gpfn } = await this.domain.grants.mapGrantRef(this.backendDomid, gref, {
      readonly: true,
    });
    const mapped = { handle, page: await this.domain.memory.page(gpfn), users: 0 };
    this.#mapped.set(gref, mapped);
    return mapped;
  }
}
