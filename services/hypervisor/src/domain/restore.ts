// The restoring half of `xl restore` / `xl migrate`: a new domain from a checked image — new
// machine frames at the same pfns with the same bytes, its grant table, event channels and
// XenStore subtree — paused until its guest process attaches (docs/migration.md#restore).
// Everything is checked before anything is made, so a refused image leaves no trace.
import { CHANNEL_FLAG, type DomainImage } from "@xenfs/libxen/stream";
import { VIRQ } from "@xenfs/proto";
import { errno } from "../errors.js";
import { EventChannels } from "../event-channel/ports.js";
import { MAX_GRANT_FRAMES } from "../grant-table/grant-table.js";
import type { Frame } from "../memory/frame-pool.js";
import type { Xen } from "../xen.js";
import type { Domain } from "./domain.js";
import { toolstackStore } from "./save.js";

/** Makes a registered, introduced domain with a session that has no socket yet. */
export type MakeDomain = (domid: number, name: string, key: Uint8Array, maxFrames: number) => Domain;

const VIRQS = new Set<number>(Object.values(VIRQ));

/** What the image's first record already tells: refused then, before its pages come. */
export function checkDomainRecord(xen: Xen, domain: DomainImage["domain"]): void {
  if (xen.domains.nameTaken(domain.name))
    throw errno("EEXIST", `a live domain is already named ${domain.name}`);
  if (domain.maxFrames > xen.config.totalFrames)
    throw errno("ENOMEM", `reservation ${domain.maxFrames} > ${xen.config.totalFrames} machine frames`);
}

function check(xen: Xen, image: DomainImage, framesHeld: boolean): number {
  const { domain, pages, grantTable, channels } = image;
  checkDomainRecord(xen, domain);
  if (!framesHeld && pages.size > xen.pool.free)
    throw errno("ENOMEM", `${pages.size} frames wanted, ${xen.pool.free} free`);
  if (grantTable.length > MAX_GRANT_FRAMES) throw errno("EINVAL", `${grantTable.length} grant frames`);
  for (const c of channels) {
    if (!EventChannels.valid(c.port)) throw errno("EINVAL", `port ${c.port}`);
    if (c.state === "virq" && !VIRQS.has(c.virq)) throw errno("EINVAL", `port ${c.port}: VIRQ ${c.virq}`);
  }
  const domid = xen.domains.freeGuestDomid();
  if (domid === undefined) throw errno("ENOSPC", "no free domain id");
  return domid;
}

/**
 * `held`: the image's frames, already filled as its pages came (IncomingFrames; the image's
 * pages then carry no bytes). Without it the frames are allocated and written here.
 */
export async function restoreDomain(
  xen: Xen,
  image: DomainImage,
  make: MakeDomain,
  held?: ReadonlyMap<number, Frame>,
): Promise<Domain> {
  const domid = check(xen, image, held !== undefined);
  const pfns = [...image.pages.keys()].sort((a, b) => a - b);
  let frames: Frame[] | undefined;
  if (held) {
    if (held.size !== pfns.length || pfns.some((pfn) => !held.has(pfn)))
      throw errno("EINVAL", `${held.size} frames held for an image of ${pfns.length} pages`);
    frames = pfns.map((pfn) => held.get(pfn)!);
    for (const frame of frames) frame.owner = domid;
  } else {
    // One write per run of consecutive frames, none zeroed first.
    frames = xen.pool.allocFilled(
      pfns.map((pfn) => image.pages.get(pfn)!),
      domid,
      "ram",
    );
  }
  if (!frames) throw errno("ENOMEM", `${image.pages.size} frames wanted, ${xen.pool.free} free`);
  const { name, sessionKey, maxFrames } = image.domain;
  const domain = make(domid, name, sessionKey, maxFrames);
  domain.suspended = true;
  domain.state = "paused";
  domain.link.hold(true);
  const tableAt = new Map(image.grantTable.map((pfn, i) => [pfn, i]));
  const table: Domain["grantTable"]["frames"] = [];
  pfns.forEach((pfn, i) => {
    const frame = frames[i]!;
    domain.p2m.set(pfn, { frame, foreign: false, readonly: false });
    domain.owned.add(frame);
    const slot = tableAt.get(pfn);
    if (slot !== undefined) {
      frame.type = "grant_table";
      table[slot] = { frame, gpfn: pfn };
    }
  });
  domain.grantTable.frames.push(...table);
  for (const c of image.channels) {
    // An interdomain channel's peer is on the old host (or was, before the save): the port waits
    // unbound for the same remote domain to bind it again, as a PV frontend re-binds on resume.
    if (c.state === "virq") domain.evtchn.set(c.port, { state: "virq", virq: c.virq });
    else domain.evtchn.set(c.port, { state: "unbound", remoteDom: c.remoteDom });
    if (c.flags & CHANNEL_FLAG.masked) domain.evtchn.mask(c.port);
    if (c.flags & CHANNEL_FLAG.pending) domain.evtchn.setPending(c.port);
  }
  await restoreXenstore(xen, domid, image.xenstore);
  // Attachable only now, whole: an attach during the XenStore writes would be followed by the
  // lease below, which would then end the attached domain.
  domain.awaitingAttach = true;
  xen.announce(domain, "paused");
  // A process that never attaches does not keep the domain forever: the same lease as a dropped session.
  xen.lifecycle.startLease(domain);
  xen.logger.info({ domid, name, pages: image.pages.size, from: image.domain.domid }, "domain restored");
  return domain;
}

async function restoreXenstore(xen: Xen, domid: number, entries: DomainImage["xenstore"]): Promise<void> {
  if (!xen.config.xenstore || entries.length === 0) return;
  const xs = toolstackStore(xen);
  const home = `/local/domain/${domid}`;
  try {
    for (const [key, value] of entries) {
      await xs.write(`${home}/${key}`, value);
      await xs.setPerms(`${home}/${key}`, [`n${domid}`]);
    }
  } finally {
    xs.close();
  }
}
