// Record bodies of the migration stream, pure and bounded: PAGE_DATA (pfns with their
// XEN_DOMCTL_PFINFO_* type in bits 63–60, then the pages that have data) as Xen has it, and this
// project's records for what a process domain carries beyond its frames (docs/migration.md).
import { EVTCHNSTAT, XEN_PAGE_SIZE } from "@xenfs/proto";
import { PFINFO, STREAM_LIMITS } from "./constants.js";
import { StreamError } from "./errors.js";

export interface PageBatch {
  /** pfns with page data, in order. */
  readonly pfns: readonly number[];
  /** One page per pfn, 4096 octets each. */
  readonly pages: readonly Uint8Array[];
  /** pfns that left the domain since they were sent (XTAB: no data). */
  readonly gone?: readonly number[];
}

export interface DomainRecord {
  readonly name: string;
  /** Reservation, in frames. */
  readonly maxFrames: number;
  /** The domid it had where it was saved (for the XenStore paths it names). */
  readonly domid: number;
  /**
   * The key of the session that suspended it: its process attaches to the restored domain with
   * it (docs/migration.md#attach). The image is as secret as the memory it holds.
   */
  readonly sessionKey: Uint8Array;
}

export type SavedChannel =
  | { readonly port: number; readonly state: "unbound"; readonly remoteDom: number; readonly flags: number }
  | {
      readonly port: number;
      readonly state: "interdomain";
      readonly remoteDom: number;
      readonly remotePort: number;
      readonly flags: number;
    }
  | { readonly port: number; readonly state: "virq"; readonly virq: number; readonly flags: number };

/** SavedChannel.flags */
export const CHANNEL_FLAG = { pending: 1, masked: 2 } as const;

const PFN_MASK = (1n << 52n) - 1n;

function body(length: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(length);
  return { bytes, view: new DataView(bytes.buffer) };
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkPfn(pfn: number, what: string): void {
  if (!Number.isInteger(pfn) || pfn < 1 || pfn >= STREAM_LIMITS.pfnLimit)
    throw new StreamError("EINVAL", `${what}: pfn ${pfn} outside 1 … ${STREAM_LIMITS.pfnLimit - 1}`);
}

export function encodePageData(batch: PageBatch): Uint8Array {
  const gone = batch.gone ?? [];
  const count = batch.pfns.length + gone.length;
  if (count === 0 || count > STREAM_LIMITS.maxBatch)
    throw new StreamError("EINVAL", `PAGE_DATA of ${count} pfns (1 … ${STREAM_LIMITS.maxBatch})`);
  if (batch.pages.length !== batch.pfns.length)
    throw new StreamError("EINVAL", `${batch.pfns.length} pfns but ${batch.pages.length} pages`);
  const { bytes, view } = body(8 + count * 8 + batch.pfns.length * XEN_PAGE_SIZE);
  view.setUint32(0, count, true);
  let at = 8;
  for (const pfn of batch.pfns) {
    checkPfn(pfn, "PAGE_DATA");
    view.setBigUint64(at, BigInt(pfn) | (BigInt(PFINFO.NOTAB) << 60n), true);
    at += 8;
  }
  for (const pfn of gone) {
    checkPfn(pfn, "PAGE_DATA");
    view.setBigUint64(at, BigInt(pfn) | (BigInt(PFINFO.XTAB) << 60n), true);
    at += 8;
  }
  for (const page of batch.pages) {
    if (page.length !== XEN_PAGE_SIZE) throw new StreamError("EINVAL", `a page of ${page.length} octets`);
    bytes.set(page, at);
    at += XEN_PAGE_SIZE;
  }
  return bytes;
}

export function decodePageData(bytes: Uint8Array): Required<PageBatch> {
  if (bytes.length < 8) throw new StreamError("EBADMSG", "PAGE_DATA shorter than its count");
  const view = viewOf(bytes);
  const count = view.getUint32(0, true);
  if (count === 0 || count > STREAM_LIMITS.maxBatch)
    throw new StreamError("EBADMSG", `PAGE_DATA of ${count} pfns (1 … ${STREAM_LIMITS.maxBatch})`);
  if (bytes.length < 8 + count * 8)
    throw new StreamError("EBADMSG", `PAGE_DATA shorter than its ${count} pfns`);
  const pfns: number[] = [];
  const gone: number[] = [];
  for (let i = 0; i < count; i++) {
    const word = view.getBigUint64(8 + i * 8, true);
    const type = Number(word >> 60n);
    if ((word >> 52n) & 0xffn) throw new StreamError("EBADMSG", "PAGE_DATA pfn with reserved bits set");
    const pfn = Number(word & PFN_MASK);
    checkPfn(pfn, "PAGE_DATA");
    if (type === PFINFO.NOTAB) pfns.push(pfn);
    else if (type === PFINFO.XTAB) gone.push(pfn);
    else throw new StreamError("EBADMSG", `PAGE_DATA page type ${type}: only NOTAB and XTAB apply`);
  }
  const dataAt = 8 + count * 8;
  if (bytes.length !== dataAt + pfns.length * XEN_PAGE_SIZE)
    throw new StreamError(
      "EBADMSG",
      `PAGE_DATA holds ${bytes.length - dataAt} octets of pages for ${pfns.length} pages`,
    );
  const pages = pfns.map((_, i) => bytes.slice(dataAt + i * XEN_PAGE_SIZE, dataAt + (i + 1) * XEN_PAGE_SIZE));
  return { pfns, pages, gone };
}

export function encodeDomain(domain: DomainRecord): Uint8Array {
  const name = new TextEncoder().encode(domain.name);
  if (name.length === 0 || name.length > STREAM_LIMITS.maxName)
    throw new StreamError("EINVAL", `domain name of ${name.length} octets`);
  if (domain.sessionKey.length > STREAM_LIMITS.maxKey)
    throw new StreamError("EINVAL", `session key of ${domain.sessionKey.length} octets`);
  const { bytes, view } = body(16 + name.length + domain.sessionKey.length);
  view.setUint32(0, domain.domid, true);
  view.setUint32(4, domain.maxFrames, true);
  view.setUint32(8, name.length, true);
  view.setUint32(12, domain.sessionKey.length, true);
  bytes.set(name, 16);
  bytes.set(domain.sessionKey, 16 + name.length);
  return bytes;
}

export function decodeDomain(bytes: Uint8Array): DomainRecord {
  if (bytes.length < 16) throw new StreamError("EBADMSG", "XENFS_DOMAIN too short");
  const view = viewOf(bytes);
  const length = view.getUint32(8, true);
  const keyLength = view.getUint32(12, true);
  if (
    length === 0 ||
    length > STREAM_LIMITS.maxName ||
    keyLength > STREAM_LIMITS.maxKey ||
    bytes.length !== 16 + length + keyLength
  )
    throw new StreamError(
      "EBADMSG",
      `XENFS_DOMAIN name of ${length}, key of ${keyLength} octets in ${bytes.length}`,
    );
  let name: string;
  try {
    name = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(16, 16 + length));
  } catch {
    throw new StreamError("EBADMSG", "XENFS_DOMAIN name is not UTF-8");
  }
  return {
    domid: view.getUint32(0, true),
    maxFrames: view.getUint32(4, true),
    name,
    sessionKey: bytes.slice(16 + length),
  };
}

/** The grant table's frames, in table order (their bytes travel as PAGE_DATA). */
export function encodeGrantTable(pfns: readonly number[]): Uint8Array {
  if (pfns.length > STREAM_LIMITS.maxGrantFrames)
    throw new StreamError("EINVAL", `${pfns.length} grant frames > ${STREAM_LIMITS.maxGrantFrames}`);
  const { bytes, view } = body(8 + pfns.length * 8);
  view.setUint32(0, pfns.length, true);
  pfns.forEach((pfn, i) => {
    checkPfn(pfn, "XENFS_GRANT_TABLE");
    view.setBigUint64(8 + i * 8, BigInt(pfn), true);
  });
  return bytes;
}

export function decodeGrantTable(bytes: Uint8Array): number[] {
  if (bytes.length < 8) throw new StreamError("EBADMSG", "XENFS_GRANT_TABLE too short");
  const view = viewOf(bytes);
  const count = view.getUint32(0, true);
  if (count > STREAM_LIMITS.maxGrantFrames || bytes.length !== 8 + count * 8)
    throw new StreamError("EBADMSG", `XENFS_GRANT_TABLE of ${count} frames in ${bytes.length} octets`);
  const pfns = Array.from({ length: count }, (_, i) => Number(view.getBigUint64(8 + i * 8, true)));
  for (const pfn of pfns) checkPfn(pfn, "XENFS_GRANT_TABLE");
  return pfns;
}

const CHANNEL_SIZE = 16;

export function encodeEvtchn(channels: readonly SavedChannel[]): Uint8Array {
  if (channels.length > STREAM_LIMITS.maxPorts)
    throw new StreamError("EINVAL", `${channels.length} ports > ${STREAM_LIMITS.maxPorts}`);
  const { bytes, view } = body(8 + channels.length * CHANNEL_SIZE);
  view.setUint32(0, channels.length, true);
  channels.forEach((c, i) => {
    const at = 8 + i * CHANNEL_SIZE;
    view.setUint32(at, c.port, true);
    view.setUint8(at + 4, EVTCHNSTAT[c.state]);
    view.setUint8(at + 5, c.flags);
    view.setUint32(at + 8, c.state === "virq" ? c.virq : c.remoteDom, true);
    view.setUint32(at + 12, c.state === "interdomain" ? c.remotePort : 0, true);
  });
  return bytes;
}

export function decodeEvtchn(bytes: Uint8Array): SavedChannel[] {
  if (bytes.length < 8) throw new StreamError("EBADMSG", "XENFS_EVTCHN too short");
  const view = viewOf(bytes);
  const count = view.getUint32(0, true);
  if (count > STREAM_LIMITS.maxPorts || bytes.length !== 8 + count * CHANNEL_SIZE)
    throw new StreamError("EBADMSG", `XENFS_EVTCHN of ${count} ports in ${bytes.length} octets`);
  const seen = new Set<number>();
  const channels: SavedChannel[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * CHANNEL_SIZE;
    const port = view.getUint32(at, true);
    if (port < 1 || port > STREAM_LIMITS.maxPorts || seen.has(port))
      throw new StreamError("EBADMSG", `XENFS_EVTCHN port ${port} out of range or twice`);
    seen.add(port);
    const flags = view.getUint8(at + 5);
    if (flags & ~(CHANNEL_FLAG.pending | CHANNEL_FLAG.masked))
      throw new StreamError("EBADMSG", `XENFS_EVTCHN port ${port} flags ${flags}`);
    const a = view.getUint32(at + 8, true);
    const b = view.getUint32(at + 12, true);
    const state = view.getUint8(at + 4);
    if (state === EVTCHNSTAT.unbound) channels.push({ port, state: "unbound", remoteDom: a, flags });
    else if (state === EVTCHNSTAT.interdomain)
      channels.push({ port, state: "interdomain", remoteDom: a, remotePort: b, flags });
    else if (state === EVTCHNSTAT.virq) channels.push({ port, state: "virq", virq: a, flags });
    else throw new StreamError("EBADMSG", `XENFS_EVTCHN port ${port} state ${state}`);
  }
  return channels;
}

/**
 * The domain's XenStore subtree as libxl's EMULATOR_XENSTORE_DATA packs it: (key, value) pairs,
 * each NUL-terminated, keys relative to the domain's home path.
 */
export function encodeXenstore(entries: ReadonlyArray<readonly [string, string]>): Uint8Array {
  const text = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const [key, value] of entries) {
    if (key.length === 0 || key.includes("\0") || value.includes("\0"))
      throw new StreamError("EINVAL", `XenStore key ${JSON.stringify(key)} cannot be packed`);
    parts.push(text.encode(`${key}\0${value}\0`));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (total > STREAM_LIMITS.maxRecordBody)
    throw new StreamError("EMSGSIZE", `XenStore subtree of ${total} octets`);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function decodeXenstore(bytes: Uint8Array): Array<[string, string]> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new StreamError("EBADMSG", "XENFS_XENSTORE is not UTF-8");
  }
  if (text.length === 0) return [];
  if (!text.endsWith("\0")) throw new StreamError("EBADMSG", "XENFS_XENSTORE does not end in NUL");
  const fields = text.slice(0, -1).split("\0");
  if (fields.length % 2 !== 0) throw new StreamError("EBADMSG", "XENFS_XENSTORE has a key without a value");
  const entries: Array<[string, string]> = [];
  for (let i = 0; i < fields.length; i += 2) {
    const key = fields[i]!;
    if (key.length === 0 || key.startsWith("/") || key.split("/").includes(".."))
      throw new StreamError("EBADMSG", `XENFS_XENSTORE key ${JSON.stringify(key)} is not relative`);
    entries.push([key, fields[i + 1]!]);
  }
  return entries;
}
