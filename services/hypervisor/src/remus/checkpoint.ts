// One Remus checkpoint as the primary takes it, while the guest is stopped for it
// (docs/remus.md#checkpoints): the frames dirtied since the last one (marks cleaned before the
// frames are read, as a live migration's rounds do: docs/design.md#log-dirty), XTAB for pfns sent
// before that left the domain, then its event channels and XenStore subtree, then CHECKPOINT.
// Taken synchronously, in one turn of the hypervisor's loop: nothing else the hypervisor does
// lands in the middle of it.
import {
  encodeEvtchn,
  encodeRecord,
  encodeXenstore,
  imageStart,
  pageRecords,
  REC_TYPE,
} from "@xenfs/libxen/stream";
import { XS } from "@xenfs/proto";
import type { XsBackend } from "@xenfs/xenstored";
import type { Domain } from "../domain/domain.js";
import { ownPages, savedChannels } from "../domain/save.js";
import { dirtyBitmap } from "../memory/log-dirty.js";
import { P2M_LIMIT } from "../memory/p2m.js";
import type { Xen } from "../xen.js";

/** Keys written afresh wherever the domain lands, or that belong to one request only. */
const SKIP = new Set(["name", "domid", "control/attach-url"]);

export interface CheckpointData {
  readonly chunks: Uint8Array[];
  readonly pages: number;
  readonly bytes: number;
}

function dirtyPfns(xen: Xen, domain: Domain): number[] {
  const { bitmap } = dirtyBitmap(xen, domain, P2M_LIMIT, true);
  const pfns: number[] = [];
  for (let i = 0; i < bitmap.length; i++) {
    const byte = bitmap[i]!;
    if (byte) for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) pfns.push(i * 8 + bit);
  }
  return pfns;
}

/** The domain's XenStore subtree, read at once through the in-process store (no awaits). */
export function xenstoreNow(xen: Xen, domid: number): Array<[string, string]> {
  const backend = xen.config.xenstore as XsBackend | undefined;
  if (!backend) return [];
  const conn = backend.connect(0, () => {});
  const text = new TextDecoder();
  const ask = (type: number, path: string): string | undefined => {
    const reply = conn.request(type, 0, new TextEncoder().encode(`${path}\0`));
    return reply.type === XS.ERROR ? undefined : text.decode(reply.payload);
  };
  const home = `/local/domain/${domid}`;
  const entries: Array<[string, string]> = [];
  const walk = (relative: string): void => {
    const listing = ask(XS.DIRECTORY, relative ? `${home}/${relative}` : home) ?? "";
    for (const child of listing.split("\0").filter(Boolean)) {
      const key = relative ? `${relative}/${child}` : child;
      if (SKIP.has(key)) continue;
      const value = ask(XS.READ, `${home}/${key}`);
      if (value === undefined) continue;
      entries.push([key, value]);
      walk(key);
    }
  };
  try {
    walk("");
  } finally {
    conn.close();
  }
  return entries;
}

function stateRecords(xen: Xen, domain: Domain): Uint8Array[] {
  return [
    encodeRecord(REC_TYPE.XENFS_EVTCHN, encodeEvtchn(savedChannels(domain))),
    encodeRecord(REC_TYPE.XENFS_XENSTORE, encodeXenstore(xenstoreNow(xen, domain.domid))),
    encodeRecord(REC_TYPE.CHECKPOINT),
  ];
}

const size = (chunks: Uint8Array[]) => chunks.reduce((n, c) => n + c.length, 0);

/**
 * The first checkpoint: the image's start and every frame, with log-dirty turned on (clean)
 * before the frames are read, so the next checkpoint carries whatever is written after.
 */
export function firstCheckpoint(xen: Xen, domain: Domain, sent: Set<number>): CheckpointData {
  dirtyPfns(xen, domain);
  domain.logDirty = true;
  const pages = ownPages(domain);
  for (const pfn of pages.keys()) sent.add(pfn);
  const chunks = [
    ...imageStart(
      { name: domain.name, maxFrames: domain.maxFrames, domid: domain.domid, sessionKey: domain.sessionKey },
      domain.grantTable.frames.map((f) => f.gpfn),
    ),
    ...pageRecords(pages),
    ...stateRecords(xen, domain),
  ];
  return { chunks, pages: pages.size, bytes: size(chunks) };
}

/** A later checkpoint: the frames dirtied since the last, pfns gone, the state records. */
export function nextCheckpoint(xen: Xen, domain: Domain, sent: Set<number>): CheckpointData {
  const pages = ownPages(domain, dirtyPfns(xen, domain));
  const gone: number[] = [];
  for (const pfn of sent) {
    const entry = domain.p2m.get(pfn);
    if (!entry || entry.foreign) gone.push(pfn);
  }
  for (const pfn of gone) sent.delete(pfn);
  for (const pfn of pages.keys()) sent.add(pfn);
  const chunks = [
    ...(pages.size > 0 || gone.length > 0 ? pageRecords(pages, gone) : []),
    ...stateRecords(xen, domain),
  ];
  return { chunks, pages: pages.size, bytes: size(chunks) };
}
