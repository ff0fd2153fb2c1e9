// The migration stream's framing (docs/specs/libxc-migration-stream.pandoc): the image header
// (big-endian), the domain header, then records — type, body_length, body, zero padding to 8
// octets — little-endian as the image header's options say. What a body means is records.ts'.
import { XEN_PAGE_SHIFT, XEN_PAGE_SIZE } from "@xenfs/proto";
import { DHDR_SIZE, DHDR_TYPE, IHDR, REC_TYPE, STREAM_LIMITS, XEN_VERSION } from "./constants.js";
import { StreamError } from "./errors.js";

export interface DomainHeader {
  readonly type: number;
  readonly pageShift: number;
  readonly xenMajor: number;
  readonly xenMinor: number;
}

export interface StreamRecord {
  readonly type: number;
  readonly body: Uint8Array;
}

const REC_HEADER = 8;

export function encodeImageHeader(): Uint8Array {
  const out = new Uint8Array(IHDR.SIZE);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, IHDR.MARKER);
  view.setUint32(8, IHDR.ID);
  view.setUint32(12, IHDR.VERSION);
  view.setUint16(16, 0); // options: little-endian
  return out;
}

/** Checks the 24 octets of an image header; throws what is wrong. */
export function checkImageHeader(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, IHDR.SIZE);
  if (view.getBigUint64(0) !== IHDR.MARKER)
    throw new StreamError("EINVAL", "not a domain image (bad marker)");
  if (view.getUint32(8) !== IHDR.ID) throw new StreamError("EINVAL", "not a domain image (id is not XENF)");
  const version = view.getUint32(12);
  if (version !== IHDR.VERSION)
    throw new StreamError("EOPNOTSUPP", `image version ${version}, only ${IHDR.VERSION} is read`);
  if (view.getUint16(16) & IHDR.OPT_BIG_ENDIAN)
    throw new StreamError("EOPNOTSUPP", "big-endian images are not read");
}

export function encodeDomainHeader(
  header: DomainHeader = {
    type: DHDR_TYPE.XENFS_PROCESS,
    pageShift: XEN_PAGE_SHIFT,
    xenMajor: XEN_VERSION.major,
    xenMinor: XEN_VERSION.minor,
  },
): Uint8Array {
  const out = new Uint8Array(DHDR_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.type, true);
  view.setUint16(4, header.pageShift, true);
  view.setUint32(8, header.xenMajor, true);
  view.setUint32(12, header.xenMinor, true);
  return out;
}

export function decodeDomainHeader(bytes: Uint8Array): DomainHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, DHDR_SIZE);
  const header = {
    type: view.getUint32(0, true),
    pageShift: view.getUint16(4, true),
    xenMajor: view.getUint32(8, true),
    xenMinor: view.getUint32(12, true),
  };
  if (header.type !== DHDR_TYPE.XENFS_PROCESS)
    throw new StreamError("EOPNOTSUPP", `domain type ${header.type}: only process domains are restored`);
  if (header.pageShift !== XEN_PAGE_SHIFT)
    throw new StreamError("EOPNOTSUPP", `page_shift ${header.pageShift}, this host's is ${XEN_PAGE_SHIFT}`);
  return header;
}

/** One record: header, body, zero padding to a multiple of 8 octets. */
export function encodeRecord(type: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(REC_HEADER + padded(body.length));
  const view = new DataView(out.buffer);
  view.setUint32(0, type >>> 0, true);
  view.setUint32(4, body.length, true);
  out.set(body, REC_HEADER);
  return out;
}

/** The largest body a record of `type` may have. */
export function maxBody(type: number): number {
  if (type === REC_TYPE.PAGE_DATA) return 8 + STREAM_LIMITS.maxBatch * (8 + XEN_PAGE_SIZE);
  return STREAM_LIMITS.maxRecordBody;
}

function padded(length: number): number {
  return (length + 7) & ~7;
}

type Phase = "image-header" | "domain-header" | "records" | "ended";

/**
 * Reads a stream as it arrives: push() chunks, take the records it completes. Checks each
 * header and length before it keeps the body; finish() refuses a stream cut short.
 */
export class StreamReader {
  #phase: Phase;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #domainHeader: DomainHeader | undefined;

  /**
   * `headers: false` reads records only: one of a Remus stream's later checkpoints, which
   * continues a stream whose headers came with the first (docs/remus.md).
   */
  constructor(options: { headers?: boolean } = {}) {
    this.#phase = options.headers === false ? "records" : "image-header";
  }

  /** Octets pushed and not yet part of a record: a body cut short leaves some. */
  get buffered(): number {
    return this.#buffered;
  }

  get domainHeader(): DomainHeader | undefined {
    return this.#domainHeader;
  }

  /** True once END was read. */
  get ended(): boolean {
    return this.#phase === "ended";
  }

  push(chunk: Uint8Array): StreamRecord[] {
    if (chunk.length === 0) return [];
    if (this.#phase === "ended") throw new StreamError("EBADMSG", "data after the END record");
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const records: StreamRecord[] = [];
    for (;;) {
      if (this.#phase === "image-header") {
        const header = this.#take(IHDR.SIZE);
        if (!header) break;
        checkImageHeader(header);
        this.#phase = "domain-header";
      } else if (this.#phase === "domain-header") {
        const header = this.#take(DHDR_SIZE);
        if (!header) break;
        this.#domainHeader = decodeDomainHeader(header);
        this.#phase = "records";
      } else if (this.#phase === "records") {
        const head = this.#peek(REC_HEADER);
        if (!head) break;
        const view = new DataView(head.buffer, head.byteOffset, REC_HEADER);
        const type = view.getUint32(0, true);
        const length = view.getUint32(4, true);
        if (length > maxBody(type))
          throw new StreamError("EMSGSIZE", `record ${hex(type)} of ${length} octets > ${maxBody(type)}`);
        const whole = this.#take(REC_HEADER + padded(length));
        if (!whole) break;
        records.push({ type, body: whole.slice(REC_HEADER, REC_HEADER + length) });
        if (type === REC_TYPE.END) {
          if (this.#buffered > 0) throw new StreamError("EBADMSG", "data after the END record");
          this.#phase = "ended";
          break;
        }
      } else {
        if (this.#buffered > 0) throw new StreamError("EBADMSG", "data after the END record");
        break;
      }
    }
    return records;
  }

  /** The stream is over: anything short of END is a truncated image. */
  finish(): void {
    if (this.#phase !== "ended")
      throw new StreamError(
        "ENODATA",
        `image truncated (${this.#buffered} octets left in the ${this.#phase})`,
      );
  }

  #peek(n: number): Uint8Array | undefined {
    if (this.#buffered < n) return undefined;
    // Joined only when the first chunk is short, so a large record arriving in many chunks is
    // copied once when whole, not once a chunk (the stream's pace is a migration's downtime).
    if (this.#chunks[0]!.length < n) this.#join();
    return this.#chunks[0]!.subarray(0, n);
  }

  #take(n: number): Uint8Array | undefined {
    const bytes = this.#peek(n);
    if (!bytes) return undefined;
    const rest = this.#chunks[0]!.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered -= n;
    return bytes;
  }

  #join(): void {
    if (this.#chunks.length <= 1) return;
    const all = new Uint8Array(this.#buffered);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.#chunks = [all];
  }
}

export function hex(type: number): string {
  return `0x${type.toString(16).padStart(8, "0")}`;
}
