// Grant-table throughput: dom0 grants pages to several guests, which map then unmap them all,
// many per multicall, and GNTTABOP_copy whole pages from them into frames of their own.
import { measure, type ResultRow, rowOf } from "@xenfs/bench-kit";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";

/** Grants each guest holds; mapping (or copying) all of them is one multicall. */
const GRANTS_PER_GUEST = 128;
const ROUNDS = 80;
/** Target (docs/design.md#measuring), counting each map and each unmap as one grant-table op. */
const MIN_MAP_UNMAP_OPS_PER_SEC = 50_000;

interface Grantee {
  readonly guest: XenDomain;
  readonly refs: number[];
  /** The guest's own frames, one per ref, that copies land in. */
  readonly destinations: number[];
}

export async function grantRows(
  dom0: XenDomain,
  guests: readonly XenDomain[],
  framesUsed: () => Promise<number>,
): Promise<ResultRow[]> {
  const gpfns = await dom0.memory.populatePhysmap(GRANTS_PER_GUEST);
  await dom0.grants.setup(Math.ceil((guests.length * GRANTS_PER_GUEST) / 256));
  const grantees: Grantee[] = await Promise.all(
    guests.map(async (guest) => ({
      guest,
      refs: await Promise.all(
        gpfns.map((gpfn) => dom0.grants.grantAccess(guest.domid, gpfn, { readonly: true })),
      ),
      destinations: await guest.memory.populatePhysmap(GRANTS_PER_GUEST),
    })),
  );
  const frames = await framesUsed();
  const ops = guests.length * GRANTS_PER_GUEST * ROUNDS;

  const mapUnmap = await measure(
    `grant map+unmap, ${GRANTS_PER_GUEST} per multicall × ${guests.length} domains`,
    async () => {
      await Promise.all(grantees.map((g) => mapThenUnmap(dom0.domid, g)));
      return { ops: 2 * ops };
    },
  );
  const copy = await measure(
    `grant copy 4 KiB, ${GRANTS_PER_GUEST} per multicall × ${guests.length} domains`,
    async () => {
      await Promise.all(grantees.map((g) => copyPages(dom0.domid, g)));
      return { ops, bytes: ops * XEN_PAGE_SIZE };
    },
  );

  await Promise.all(grantees.flatMap((g) => g.refs.map((ref) => dom0.grants.endAccess(ref))));
  await Promise.all(grantees.map((g) => g.guest.memory.decreaseReservation(g.destinations)));
  await dom0.memory.decreaseReservation(gpfns);
  return [
    rowOf(mapUnmap, "opsPerSec", { frames, target: { op: ">=", value: MIN_MAP_UNMAP_OPS_PER_SEC } }),
    rowOf(copy, "opsPerSec", { frames }),
    rowOf(copy, "mbPerSec", { name: `${copy.name} MB/s`, calibration: "memcpy4k", frames }),
  ];
}

async function mapThenUnmap(granter: number, { guest, refs }: Grantee): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    const mappings = await Promise.all(
      refs.map((ref) => guest.grants.mapGrantRef(granter, ref, { readonly: true })),
    );
    await Promise.all(mappings.map((m) => guest.grants.unmapGrantRef(m.handle)));
  }
}

async function copyPages(granter: number, { guest, refs, destinations }: Grantee): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      refs.map((ref, i) =>
        guest.grants.copy(
          { ref, domid: granter, offset: 0 },
          { gpfn: destinations[i]!, offset: 0 },
          XEN_PAGE_SIZE,
        ),
      ),
    );
  }
}
