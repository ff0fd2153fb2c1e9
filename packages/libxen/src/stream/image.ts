// A whole domain image: the records in the order docs/migration.md gives, and the reader that
// rebuilds it from records — later PAGE_DATA for a pfn replaces earlier (pre-copy rounds), XTAB
// removes it — checking everything before the caller changes any state with it.
import { REC_TYPE, REC_TYPE_OPTIONAL, STREAM_LIMITS } from "./constants.js";
import { StreamError } from "./errors.js";
import {
  encodeDomainHeader,
  encodeImageHeader,
  encodeRecord,
  hex,
  StreamReader,
  type StreamRecord,
} from "./framing.js";
import {
  type DomainRecord,
  decodeDomain,
  decodeEvtchn,
  decodeGrantTable,
  decodePageData,
  decodeXenstore,
  encodeDomain,
  encodeEvtchn,
  encodeGrantTable,
  encodePageData,
  encodeXenstore,
  type SavedChannel,
} from "./records.js";

export interface DomainImage {
  readonly domain: DomainRecord;
  /** The grant table's frames in table order; each is also in `pages`. */
  readonly grantTable: readonly number[];
  /** Every frame the domain owns, by its pfn. */
  readonly pages: ReadonlyMap<number, Uint8Array>;
  readonly channels: readonly SavedChannel[];
  /** XenStore entries relative to the domain's home path. */
  readonly xenstore: ReadonlyArray<readonly [string, string]>;
}

/** The records before the pages: the domain, STATIC_DATA_END, its grant-table frames. */
export function imageStart(domain: DomainRecord, grantTable: readonly number[]): Uint8Array[] {
  return [
    encodeImageHeader(),
    encodeDomainHeader(),
    encodeRecord(REC_TYPE.XENFS_DOMAIN, encodeDomain(domain)),
    encodeRecord(REC_TYPE.STATIC_DATA_END),
    encodeRecord(REC_TYPE.XENFS_GRANT_TABLE, encodeGrantTable(grantTable)),
  ];
}

/** PAGE_DATA records for these pages (at most maxBatch each), and XTAB for pfns gone. */
export function pageRecords(
  pages: ReadonlyMap<number, Uint8Array>,
  gone: readonly number[] = [],
): Uint8Array[] {
  const records: Uint8Array[] = [];
  const pfns = [...pages.keys()].sort((a, b) => a - b);
  for (let i = 0; i < pfns.length; i += STREAM_LIMITS.maxBatch) {
    const batch = pfns.slice(i, i + STREAM_LIMITS.maxBatch);
    records.push(
      encodeRecord(
        REC_TYPE.PAGE_DATA,
        encodePageData({ pfns: batch, pages: batch.map((p) => pages.get(p)!) }),
      ),
    );
  }
  for (let i = 0; i < gone.length; i += STREAM_LIMITS.maxBatch) {
    const batch = gone.slice(i, i + STREAM_LIMITS.maxBatch);
    records.push(encodeRecord(REC_TYPE.PAGE_DATA, encodePageData({ pfns: [], pages: [], gone: batch })));
  }
  return records;
}

/** The records after the last pages: event channels, XenStore, END. */
export function imageEnd(
  channels: readonly SavedChannel[],
  xenstore: ReadonlyArray<readonly [string, string]>,
): Uint8Array[] {
  return [
    encodeRecord(REC_TYPE.XENFS_EVTCHN, encodeEvtchn(channels)),
    encodeRecord(REC_TYPE.XENFS_XENSTORE, encodeXenstore(xenstore)),
    encodeRecord(REC_TYPE.END),
  ];
}

/** A whole image in one go (xl save). */
export function writeImage(image: DomainImage): Uint8Array[] {
  return [
    ...imageStart(image.domain, image.grantTable),
    ...pageRecords(image.pages),
    ...imageEnd(image.channels, image.xenstore),
  ];
}

/**
 * Where the pages of an image go as they come, instead of into the image: a restore writes
 * them straight into the new domain's frames while the stream is still arriving (as libxc's
 * restore does), so the end of a live migration has only its last round left to write.
 */
export interface PageSink {
  /** A batch of pages (a later batch may carry a pfn again: it replaces the earlier bytes). */
  pages(pfns: readonly number[], pages: readonly Uint8Array[]): void;
  /** XTAB: these pfns left the domain. */
  gone(pfns: readonly number[]): void;
}

/** What `pages` holds for each pfn when a PageSink took the bytes. */
const SUNK = new Uint8Array(0);

/** Builds a DomainImage from records as they come; result() checks it is whole. */
export class ImageBuilder {
  /** With a sink, `result().pages` names every pfn the image holds, each with no bytes. */
  constructor(private readonly sink?: PageSink) {}

  #domain: DomainRecord | undefined;
  #staticEnd = false;
  #grantTable: number[] | undefined;
  readonly #pages = new Map<number, Uint8Array>();
  #channels: SavedChannel[] | undefined;
  #xenstore: Array<[string, string]> | undefined;
  #ended = false;

  /** The domain record, once it came (the first record of an image). */
  get domain(): DomainRecord | undefined {
    return this.#domain;
  }

  /** Pages received so far (a migration's progress). */
  get pageCount(): number {
    return this.#pages.size;
  }

  apply(record: StreamRecord): void {
    if (this.#ended) throw new StreamError("EBADMSG", "a record after END");
    switch (record.type) {
      case REC_TYPE.XENFS_DOMAIN:
        if (this.#domain) throw new StreamError("EBADMSG", "XENFS_DOMAIN twice");
        this.#domain = decodeDomain(record.body);
        return;
      case REC_TYPE.STATIC_DATA_END:
        this.#need(this.#domain, "STATIC_DATA_END before XENFS_DOMAIN");
        this.#staticEnd = true;
        return;
      case REC_TYPE.XENFS_GRANT_TABLE:
        this.#need(this.#staticEnd, "XENFS_GRANT_TABLE before STATIC_DATA_END");
        if (this.#grantTable) throw new StreamError("EBADMSG", "XENFS_GRANT_TABLE twice");
        this.#grantTable = decodeGrantTable(record.body);
        return;
      case REC_TYPE.PAGE_DATA: {
        this.#need(this.#grantTable, "PAGE_DATA before XENFS_GRANT_TABLE");
        const batch = decodePageData(record.body);
        for (const [i, pfn] of batch.pfns.entries()) this.#pages.set(pfn, this.sink ? SUNK : batch.pages[i]!);
        for (const pfn of batch.gone) this.#pages.delete(pfn);
        if (this.#pages.size > this.#domain!.maxFrames)
          throw new StreamError(
            "EINVAL",
            `${this.#pages.size} pages > reservation ${this.#domain!.maxFrames}`,
          );
        // Checked first: a sink never takes pages beyond the reservation.
        if (batch.pfns.length > 0) this.sink?.pages(batch.pfns, batch.pages);
        if (batch.gone.length > 0) this.sink?.gone(batch.gone);
        return;
      }
      case REC_TYPE.XENFS_EVTCHN:
        this.#need(this.#grantTable, "XENFS_EVTCHN before the pages");
        if (this.#channels) throw new StreamError("EBADMSG", "XENFS_EVTCHN twice");
        this.#channels = decodeEvtchn(record.body);
        return;
      case REC_TYPE.XENFS_XENSTORE:
        this.#need(this.#grantTable, "XENFS_XENSTORE before the pages");
        if (this.#xenstore) throw new StreamError("EBADMSG", "XENFS_XENSTORE twice");
        this.#xenstore = decodeXenstore(record.body);
        return;
      case REC_TYPE.END:
        this.#ended = true;
        return;
      default:
        // The spec: unknown optional records may be ignored; unknown mandatory ones fail.
        if (record.type & REC_TYPE_OPTIONAL) return;
        throw new StreamError("EOPNOTSUPP", `mandatory record ${hex(record.type)} is not supported`);
    }
  }

  /** The image, once END came and everything it needs is there. */
  result(): DomainImage {
    if (!this.#ended) throw new StreamError("ENODATA", "image truncated (no END record)");
    const domain = this.#need(this.#domain, "no XENFS_DOMAIN record");
    const grantTable = this.#need(this.#grantTable, "no XENFS_GRANT_TABLE record");
    for (const pfn of grantTable)
      if (!this.#pages.has(pfn)) throw new StreamError("EBADMSG", `grant-table frame ${pfn} has no page`);
    return {
      domain,
      grantTable,
      pages: this.#pages,
      channels: this.#need(this.#channels, "no XENFS_EVTCHN record"),
      xenstore: this.#need(this.#xenstore, "no XENFS_XENSTORE record"),
    };
  }

  #need<T>(value: T | undefined | false, why: string): T {
    if (value === undefined || value === false) throw new StreamError("EBADMSG", why);
    return value;
  }
}

/** Reads a whole image (xl restore): every check done before anything is returned. */
export function readImage(chunks: Iterable<Uint8Array>): DomainImage {
  const reader = new StreamReader();
  const builder = new ImageBuilder();
  for (const chunk of chunks) for (const record of reader.push(chunk)) builder.apply(record);
  reader.finish();
  return builder.result();
}
