// The backup's side of a Remus stream, as libxc's restore does it in checkpointed mode
// (docs/remus.md#commit): the records of one checkpoint are staged, and applied to the image
// the backup keeps only when that checkpoint's CHECKPOINT record arrives with nothing torn
// after it. A checkpoint cut short or malformed is discarded whole; the last committed image
// stays what a failover activates.
import {
  type DomainImage,
  type DomainRecord,
  decodeDomain,
  decodeEvtchn,
  decodeGrantTable,
  decodePageData,
  decodeXenstore,
  hex,
  REC_TYPE,
  REC_TYPE_OPTIONAL,
  type SavedChannel,
  StreamError,
  StreamReader,
  type StreamRecord,
} from "@xenfs/libxen/stream";

/** What one checkpoint carries before it is applied. */
class Staged {
  domain: DomainRecord | undefined;
  staticEnd = false;
  grantTable: number[] | undefined;
  readonly pages = new Map<number, Uint8Array>();
  readonly gone = new Set<number>();
  channels: SavedChannel[] | undefined;
  xenstore: Array<[string, string]> | undefined;
  closed = false;

  constructor(readonly first: boolean) {}

  apply(record: StreamRecord): void {
    if (this.closed) throw new StreamError("EBADMSG", `record ${hex(record.type)} after CHECKPOINT`);
    switch (record.type) {
      case REC_TYPE.XENFS_DOMAIN:
        this.#static("XENFS_DOMAIN");
        if (this.domain) throw new StreamError("EBADMSG", "XENFS_DOMAIN twice");
        this.domain = decodeDomain(record.body);
        return;
      case REC_TYPE.STATIC_DATA_END:
        this.#static("STATIC_DATA_END");
        if (!this.domain) throw new StreamError("EBADMSG", "STATIC_DATA_END before XENFS_DOMAIN");
        this.staticEnd = true;
        return;
      case REC_TYPE.XENFS_GRANT_TABLE:
        this.#static("XENFS_GRANT_TABLE");
        if (!this.staticEnd) throw new StreamError("EBADMSG", "XENFS_GRANT_TABLE before STATIC_DATA_END");
        this.grantTable = decodeGrantTable(record.body);
        return;
      case REC_TYPE.PAGE_DATA: {
        if (this.first && !this.grantTable)
          throw new StreamError("EBADMSG", "PAGE_DATA before XENFS_GRANT_TABLE");
        const batch = decodePageData(record.body);
        for (const [i, pfn] of batch.pfns.entries()) {
          this.pages.set(pfn, batch.pages[i]!);
          this.gone.delete(pfn);
        }
        for (const pfn of batch.gone) {
          this.pages.delete(pfn);
          this.gone.add(pfn);
        }
        return;
      }
      case REC_TYPE.XENFS_EVTCHN:
        if (this.channels) throw new StreamError("EBADMSG", "XENFS_EVTCHN twice in a checkpoint");
        this.channels = decodeEvtchn(record.body);
        return;
      case REC_TYPE.XENFS_XENSTORE:
        if (this.xenstore) throw new StreamError("EBADMSG", "XENFS_XENSTORE twice in a checkpoint");
        this.xenstore = decodeXenstore(record.body);
        return;
      case REC_TYPE.CHECKPOINT:
        if (!this.channels || !this.xenstore)
          throw new StreamError(
            "EBADMSG",
            "CHECKPOINT before the checkpoint's XENFS_EVTCHN and XENFS_XENSTORE",
          );
        this.closed = true;
        return;
      case REC_TYPE.END:
        throw new StreamError("EBADMSG", "END inside a checkpoint");
      default:
        if (record.type & REC_TYPE_OPTIONAL) return;
        throw new StreamError("EOPNOTSUPP", `mandatory record ${hex(record.type)} is not supported`);
    }
  }

  #static(name: string): void {
    if (!this.first) throw new StreamError("EBADMSG", `${name} after the first checkpoint`);
  }
}

export class CheckpointReceiver {
  #image: DomainImage | undefined;
  /** Kept when the image is dropped: whose it was. */
  #domain: DomainImage["domain"] | undefined;
  #discarded = false;
  #epoch = 0;

  /** Checkpoints committed so far; the first (the whole domain) is 1. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The image as of the last committed checkpoint (undefined before the first). */
  get image(): DomainImage | undefined {
    return this.#image;
  }

  /** The protected domain's record, from the first checkpoint on (also once the image is dropped). */
  get domain(): DomainImage["domain"] | undefined {
    return this.#image?.domain ?? this.#domain;
  }

  /** The octets of the pages held: the protected domain's memory, as of the last commit. */
  get heldBytes(): number {
    let bytes = 0;
    for (const page of this.#image?.pages.values() ?? []) bytes += page.length;
    return bytes;
  }

  /** The pair ended: the image (a copy of the domain's memory) goes; nothing is committed after. */
  discard(): void {
    this.#domain = this.domain;
    this.#image = undefined;
    this.#discarded = true;
  }

  /**
   * One checkpoint's octets (the first starts with the image and domain headers): applied whole
   * and the new epoch returned, or refused with StreamError and nothing changed.
   */
  commit(chunks: Iterable<Uint8Array>): number {
    if (this.#discarded) throw new StreamError("EINVAL", "the pair has ended: no checkpoint is taken");
    const first = this.#image === undefined;
    const reader = new StreamReader({ headers: first });
    const staged = new Staged(first);
    for (const chunk of chunks) for (const record of reader.push(chunk)) staged.apply(record);
    if (reader.buffered > 0)
      throw new StreamError("ENODATA", `checkpoint torn (${reader.buffered} octets of a record)`);
    if (!staged.closed) throw new StreamError("ENODATA", "checkpoint torn (no CHECKPOINT record)");
    this.#image = merged(this.#image, staged);
    return ++this.#epoch;
  }
}

/** The committed image with one complete checkpoint applied; checked before it is returned. */
function merged(base: DomainImage | undefined, staged: Staged): DomainImage {
  const domain = base?.domain ?? staged.domain;
  const grantTable = base?.grantTable ?? staged.grantTable;
  if (!domain || !grantTable)
    throw new StreamError("EBADMSG", "the first checkpoint lacks XENFS_DOMAIN or XENFS_GRANT_TABLE");
  const pages = new Map(base?.pages);
  for (const pfn of staged.gone) pages.delete(pfn);
  for (const [pfn, page] of staged.pages) pages.set(pfn, page);
  if (pages.size > domain.maxFrames)
    throw new StreamError("EINVAL", `${pages.size} pages > reservation ${domain.maxFrames}`);
  for (const pfn of grantTable)
    if (!pages.has(pfn)) throw new StreamError("EBADMSG", `grant-table frame ${pfn} has no page`);
  return { domain, grantTable, pages, channels: staged.channels!, xenstore: staged.xenstore! };
}
