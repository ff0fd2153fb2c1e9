// Flip vs copy (docs/design.md#copy-to-write): a guest receiving 4 KiB and 64 KiB of freshly
// filled pages from dom0, by GNTTABOP_copy into its own frames (the copy mode's way), or by
// GNTTABOP_transfer of the filled frames into accept_transfer entries it offers (page flipping;
// the guest gives each received frame back so the counts stay level).
import { measure, type ResultRow, rowOf } from "@xenfs/bench-kit";
import type { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";

const READS = 64;
const SIZES = [1, 16] as const; // pages: 4 KiB, 64 KiB

export async function pageFlipRows(
  dom0: XenDomain,
  guest: XenDomain,
  framesUsed: () => Promise<number>,
): Promise<ResultRow[]> {
  await guest.grants.setup(1);
  const rows: ResultRow[] = [];
  for (const pages of SIZES) {
    const data = new Uint8Array(pages * XEN_PAGE_SIZE).fill(0x42);
    const sources = await dom0.memory.populatePhysmap(pages);
    const refs = await dom0.grants.grantAccessMany(guest.domid, sources, { readonly: true });
    const targets = await guest.memory.populatePhysmap(pages);
    const label = `${(pages * XEN_PAGE_SIZE) / 1024} KiB`;
    const copy = await measure(`read ${label} by grant copy`, async () => {
      for (let read = 0; read < READS; read++) {
        await dom0.memory.writeSpan(sources, data); // the page cache's fill
        await Promise.all(
          refs.map((ref, i) =>
            guest.grants.copy(
              { ref, domid: dom0.domid, offset: 0 },
              { gpfn: targets[i]!, offset: 0 },
              XEN_PAGE_SIZE,
            ),
          ),
        );
      }
      return { ops: READS, bytes: READS * data.length };
    });
    const frames = await framesUsed();
    const flip = await measure(`read ${label} by page flip`, async () => {
      for (let read = 0; read < READS; read++) {
        const accept = await Promise.all(sources.map(() => guest.grants.acceptTransfer(dom0.domid)));
        const fresh = await dom0.memory.populatePhysmap(pages);
        await dom0.memory.writeSpan(fresh, data);
        await Promise.all(fresh.map((gpfn, i) => dom0.grants.transfer(gpfn, guest.domid, accept[i]!)));
        await guest.grants.querySize(); // Xen's writes into the entries have arrived
        const received = await Promise.all(accept.map((ref) => guest.grants.completeTransfer(ref)));
        await guest.memory.decreaseReservation(received);
      }
      return { ops: READS, bytes: READS * data.length };
    });
    await Promise.all(refs.map((ref) => dom0.grants.endAccess(ref)));
    await dom0.memory.decreaseReservation(sources);
    await guest.memory.decreaseReservation(targets);
    rows.push(
      rowOf(copy, "opsPerSec", { frames }),
      rowOf(flip, "opsPerSec", { frames, baseline: copy.name }),
      rowOf(flip, "mbPerSec", { name: `${flip.name} MB/s`, calibration: "memcpy4k", frames }),
    );
  }
  return rows;
}
