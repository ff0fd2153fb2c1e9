// The sending side of a live migration, as libxc's save loop does it (docs/migration.md#migrate):
// log-dirty on; round 0 sends every frame; each further round sends the frames dirtied during
// the last (cleaned before they are read, so nothing escapes) until the dirty set is small, stops
// shrinking, or the round limit; then the guest is asked to suspend (and told where to attach),
// the last dirty frames and the pfns that left go, then ports, XenStore and END.
import { imageEnd, imageStart, pageRecords, STREAM_LIMITS } from "@xenfs/libxen/stream";
import { errno } from "../errors.js";
import { dirtyBitmap } from "../memory/log-dirty.js";
import { P2M_LIMIT } from "../memory/p2m.js";
import type { Xen } from "../xen.js";
import type { Domain } from "./domain.js";
import { ownPages, savedChannels, suspendDomain, xenstoreSubtree } from "./save.js";

export interface MigrateOptions {
  /** Where the guest process attaches afterwards (the target hypervisor's hypercall URL). */
  readonly attachUrl: string;
  readonly suspendTimeoutMs: number;
  /** Pre-copy rounds after the first at most (libxc's max_iters is 5 too). */
  readonly maxRounds?: number;
  /** Stop pre-copy once a round has no more than this many dirty frames. */
  readonly smallDirty?: number;
}

export interface RoundReport {
  readonly round: number;
  readonly pages: number;
  /** The last round is the one sent while the guest was suspended. */
  readonly suspended: boolean;
  /** When the round's records were made, from the migration's start. */
  readonly atMs: number;
  /** The last round: when the guest was asked to suspend (its downtime starts there). */
  readonly suspendedAtMs?: number;
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

/**
 * PAGE_DATA for these pfns (those still the domain's), a batch at a time, letting the guest run
 * between batches: a frame written after its batch was read is marked again for the next round.
 * Answers how many pages went.
 */
async function* sendPages(
  domain: Domain,
  pfns: readonly number[],
  sent: Set<number>,
): AsyncGenerator<Uint8Array, number> {
  let count = 0;
  for (let i = 0; i < pfns.length; i += STREAM_LIMITS.maxBatch) {
    const pages = ownPages(domain, pfns.slice(i, i + STREAM_LIMITS.maxBatch));
    for (const pfn of pages.keys()) sent.add(pfn);
    count += pages.size;
    if (pages.size > 0) yield* pageRecords(pages);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return count;
}

/** The stream's chunks, round by round; `report` hears each round. */
export async function* migrationStream(
  xen: Xen,
  domid: number,
  options: MigrateOptions,
  report: (round: RoundReport) => void = () => {},
): AsyncGenerator<Uint8Array> {
  const domain = xen.domains.live(domid);
  if (!domain || domain.privileged || domain.awaitingAttach || domain.suspended)
    throw errno("EINVAL", `dom${domid} cannot be migrated (no such running guest)`);
  const maxRounds = options.maxRounds ?? 5;
  const smallDirty = options.smallDirty ?? 50;
  if (domain.logDirty) throw errno("EBUSY", `log-dirty is already on for dom${domid}`);
  const started = performance.now();
  const at = () => Math.round(performance.now() - started);
  // Enabling cleans the marks: round 0 below reads every frame after this.
  dirtyPfns(xen, domain);
  domain.logDirty = true;
  try {
    const sent = new Set<number>();
    yield* imageStart(
      { name: domain.name, maxFrames: domain.maxFrames, domid, sessionKey: domain.sessionKey },
      domain.grantTable.frames.map((f) => f.gpfn),
    );
    const all = [...domain.p2m].filter(([, e]) => !e.foreign).map(([pfn]) => pfn);
    let count = yield* sendPages(domain, all, sent);
    report({ round: 0, pages: count, suspended: false, atMs: at() });
    let last = Number.POSITIVE_INFINITY;
    let round = 1;
    for (; round <= maxRounds; round++) {
      count = yield* sendPages(domain, dirtyPfns(xen, domain), sent);
      report({ round, pages: count, suspended: false, atMs: at() });
      if (count <= smallDirty || count >= last) break;
      last = count;
    }
    round = Math.min(round, maxRounds) + 1;
    const suspending = at();
    await suspendDomain(xen, domid, options.suspendTimeoutMs, options.attachUrl);
    const final = ownPages(domain, dirtyPfns(xen, domain));
    const gone = [...sent].filter((pfn) => !domain.p2m.get(pfn) || domain.p2m.get(pfn)!.foreign);
    if (final.size > 0 || gone.length > 0) yield* pageRecords(final, gone);
    report({ round, pages: final.size, suspended: true, atMs: at(), suspendedAtMs: suspending });
    yield* imageEnd(savedChannels(domain), await xenstoreSubtree(xen, domid));
  } finally {
    domain.logDirty = false;
  }
}
