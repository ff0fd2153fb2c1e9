// The saving half of `xl save` / `xl migrate`, as libxl and libxc do it for a PV guest: ask the
// guest to suspend through XenStore (`control/shutdown = suspend`), wait for its
// SCHEDOP_shutdown(SHUTDOWN_suspend), then read what the image carries — its own frames by pfn,
// its grant-table frames, event channels and XenStore subtree (docs/migration.md).
import { XenStoreClient, XsInProcessTransport } from "@xenfs/libxen";
import { CHANNEL_FLAG, type DomainImage, type SavedChannel } from "@xenfs/libxen/stream";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import type { XsBackend } from "@xenfs/xenstored";
import { errno } from "../errors.js";
import type { Xen } from "../xen.js";
import type { Domain } from "./domain.js";

const POLL_MS = 5;
/** Keys introduceDomain writes afresh wherever the domain lands. */
const INTRODUCED = new Set(["name", "domid"]);
/** Keys of one suspend request, which the restored domain must not find set again. */
const REQUEST = new Set(["control/attach-url"]);

/** A privileged XenStore client in this process (the toolstack's, acting for dom0). */
export function toolstackStore(xen: Xen): XenStoreClient {
  const backend = xen.config.xenstore;
  if (!backend) throw errno("EOPNOTSUPP", "no XenStore here: a guest cannot be asked to suspend");
  return new XenStoreClient(new XsInProcessTransport(backend as XsBackend, 0));
}

function guest(xen: Xen, domid: number): Domain {
  const domain = xen.domains.live(domid);
  if (!domain) throw errno("ESRCH", `no domain ${domid}`);
  if (domain.privileged) throw errno("EINVAL", "dom0 cannot be saved");
  if (domain.awaitingAttach) throw errno("EBUSY", `dom${domid} is restored and not attached yet`);
  return domain;
}

/**
 * Asks `domid` to suspend (naming `attachUrl`, the target's hypervisor, when migrating) and waits until it has (or `timeoutMs` passes: ETIMEDOUT, and the
 * request is withdrawn). A domain already suspended is returned at once.
 */
export async function suspendDomain(
  xen: Xen,
  domid: number,
  timeoutMs: number,
  attachUrl?: string,
): Promise<Domain> {
  const domain = guest(xen, domid);
  if (domain.suspended) return domain;
  const xs = toolstackStore(xen);
  const key = `/local/domain/${domid}/control/shutdown`;
  try {
    // Migrating: where the process attaches once the domain is restored on the target.
    const target = `/local/domain/${domid}/control/attach-url`;
    await xs.write(target, attachUrl ?? "");
    await xs.setPerms(target, [`n${domid}`]);
    // The guest owns the key (it acknowledges by emptying it); it exists before the request does.
    await xs.write(key, "");
    await xs.setPerms(key, [`n${domid}`]);
    await xs.write(key, "suspend");
    const deadline = Date.now() + timeoutMs;
    while (!domain.suspended) {
      if (!domain.live) throw errno("ESRCH", `dom${domid} died instead of suspending`);
      if (Date.now() > deadline) {
        await xs.write(key, "").catch(() => undefined);
        throw errno("ETIMEDOUT", `dom${domid} did not suspend within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return domain;
  } finally {
    xs.close();
  }
}

/** The domain's own frames (RAM and grant table) by pfn: what PAGE_DATA carries. */
export function ownPages(domain: Domain, pfns?: Iterable<number>): Map<number, Uint8Array> {
  const pages = new Map<number, Uint8Array>();
  const wanted = pfns ?? [...domain.p2m].map(([pfn]) => pfn);
  for (const pfn of wanted) {
    const entry = domain.p2m.get(pfn);
    if (entry && !entry.foreign) pages.set(pfn, entry.frame.read(0, XEN_PAGE_SIZE));
  }
  return pages;
}

export function savedChannels(domain: Domain): SavedChannel[] {
  const channels: SavedChannel[] = [];
  for (const [port, channel] of domain.evtchn.entries()) {
    const flags =
      (domain.evtchn.isPending(port) ? CHANNEL_FLAG.pending : 0) |
      (domain.evtchn.isMasked(port) ? CHANNEL_FLAG.masked : 0);
    channels.push({ port, flags, ...channel });
  }
  return channels.sort((a, b) => a.port - b.port);
}

/** Every node below the domain's home path, as (relative key, value), parents first. */
export async function xenstoreSubtree(xen: Xen, domid: number): Promise<Array<[string, string]>> {
  const xs = toolstackStore(xen);
  const home = `/local/domain/${domid}`;
  const entries: Array<[string, string]> = [];
  const walk = async (relative: string): Promise<void> => {
    for (const child of await xs.directory(`${home}/${relative}`.replace(/\/$/, ""))) {
      const key = relative ? `${relative}/${child}` : child;
      if ((!relative && INTRODUCED.has(child)) || REQUEST.has(key)) continue;
      entries.push([key, await xs.read(`${home}/${key}`)]);
      await walk(key);
    }
  };
  try {
    await walk("");
  } finally {
    xs.close();
  }
  return entries;
}

/** The whole image of a suspended domain. */
export async function domainImage(xen: Xen, domain: Domain): Promise<DomainImage> {
  if (!domain.suspended) throw errno("EINVAL", `dom${domain.domid} is not suspended`);
  return {
    domain: {
      name: domain.name,
      maxFrames: domain.maxFrames,
      domid: domain.domid,
      sessionKey: domain.sessionKey,
    },
    grantTable: domain.grantTable.frames.map((f) => f.gpfn),
    pages: ownPages(domain),
    channels: savedChannels(domain),
    xenstore: await xenstoreSubtree(xen, domain.domid),
  };
}

/**
 * A migration failed after the guest suspended: the domain stays here and its process attaches
 * to it again (docs/migration.md#migrate), as a failed xl migrate resumes the guest on the source.
 */
export function resumeHere(xen: Xen, domid: number): Domain {
  const domain = xen.domains.live(domid);
  if (!domain) throw errno("ESRCH", `no domain ${domid}`);
  if (!domain.suspended || domain.awaitingAttach) throw errno("EINVAL", `dom${domid} is not suspended`);
  domain.logDirty = false;
  domain.awaitingAttach = true;
  // Its process sees the connection close and attaches, to the target first, then here.
  domain.link.shutdown("migration failed: attach again");
  xen.lifecycle.startLease(domain);
  return domain;
}
