// The memory-manager's scan behind `xl mem-share` (docs/design.md#copy-to-write): hash the guests'
// RAM pages, and for each set of equal pages nominate them and share them into one frame, with
// the same nominate/share the privileged domain's XENMEM_sharing_op runs. An shm guest must
// acknowledge a nomination before its page can be shared; the scan waits for that, up to a limit.
import { createHash } from "node:crypto";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import type { Domain } from "../domain/domain.js";
import { HypercallError } from "../errors.js";
import type { Xen } from "../xen.js";
import type { Frame } from "./frame-pool.js";

export interface ShareScanResult {
  /** Guest pages looked at. */
  readonly scanned: number;
  /** Pages merged into another by this scan. */
  readonly shared: number;
  /** Nominated pages left unshared: written since, or their shm guest did not acknowledge in time. */
  readonly skipped: number;
  /** Frames saved by sharing on the whole host, afterwards. */
  readonly savedFrames: number;
}

interface Page {
  readonly domain: Domain;
  readonly gpfn: number;
  readonly frame: Frame;
}

const POLL_MS = 5;

/** Pages that may be shared: own unmapped RAM, or pages already shared. */
function candidates(xen: Xen, domain: Domain): Page[] {
  const pages: Page[] = [];
  for (const [gpfn, entry] of domain.p2m) {
    const { frame } = entry;
    if (entry.foreign || frame.type !== "ram") continue;
    const own = frame.owner === domain.domid && frame.mapCount === 0;
    if (own || xen.memory.shared.isShared(frame)) pages.push({ domain, gpfn, frame });
  }
  return pages;
}

/**
 * Shares `targets`' pages with equal pages of any guest (every guest's when `targets` is all of
 * them). Resolves once every nomination is shared or given up after `ackTimeoutMs`.
 */
export async function memShareScan(
  xen: Xen,
  targets: readonly Domain[],
  ackTimeoutMs = 3_000,
): Promise<ShareScanResult> {
  const guests = xen.domains.all().filter((d) => d.live && !d.privileged);
  const targetIds = new Set(targets.map((d) => d.domid));
  const groups = new Map<string, Page[]>();
  let scanned = 0;
  for (const guest of guests) {
    for (const page of candidates(xen, guest)) {
      scanned++;
      const key = createHash("sha256").update(page.frame.read(0, XEN_PAGE_SIZE)).digest("base64");
      const group = groups.get(key);
      if (group) group.push(page);
      else groups.set(key, [page]);
    }
  }
  // Source: a frame already shared if the group has one; clients: the target pages on other frames.
  const plans: { source: Page; clients: Page[] }[] = [];
  for (const group of groups.values()) {
    const source = group.find((p) => xen.memory.shared.isShared(p.frame)) ?? group[0]!;
    const clients = group.filter((p) => p.frame !== source.frame && targetIds.has(p.domain.domid));
    if (clients.length === 0 && !targetIds.has(source.domain.domid)) continue;
    const others = targetIds.has(source.domain.domid)
      ? group.filter((p) => p.frame !== source.frame)
      : clients;
    if (others.length > 0) plans.push({ source, clients: others });
  }
  const nominate = (page: Page) => xen.sharing.nominate(page.domain, page.gpfn);
  for (const { source, clients } of plans)
    for (const page of [source, ...clients]) tryRun(() => nominate(page));
  const deadline = Date.now() + ackTimeoutMs;
  let shared = 0;
  let skipped = 0;
  for (const { source, clients } of plans) {
    for (const client of clients) {
      for (;;) {
        const pair = tryRun(() => [nominate(source), nominate(client)] as const);
        if (!pair) {
          skipped++;
          break;
        }
        const [s, c] = pair;
        if (s.ready && c.ready) {
          const done = tryRun(() =>
            xen.sharing.share(source.domain, source.gpfn, s.handle, client.domain, client.gpfn, c.handle),
          );
          if (done === undefined) skipped++;
          else shared++;
          break;
        }
        if (Date.now() >= deadline || !source.domain.live || !client.domain.live) {
          skipped++;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
  }
  return { scanned, shared, skipped, savedFrames: xen.memory.shared.saved };
}

/** Runs a sharing step; a refusal (page written, freed, mapped meanwhile) is undefined, not a failure. */
function tryRun<T>(run: () => T): T | undefined {
  try {
    return run() ?? (true as T);
  } catch (error) {
    if (error instanceof HypercallError) return undefined;
    throw error;
  }
}
