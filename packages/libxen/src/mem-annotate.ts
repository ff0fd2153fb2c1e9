// mem_annotate (an extension to memory.h): tells the hypervisor what some of this domain's own RAM
// frames are for — dom0's page cache, a ring — so its frame map can show them. Purely descriptive:
// the frames behave as RAM either way. docs/observing.md#frame-map.
import { MEM_ANNOTATE_MAX_GPFNS, XENMEM_PURPOSE, type XenmemPurpose } from "@xenfs/proto";
import type { XenSession } from "./session.js";

export async function memAnnotate(
  session: XenSession,
  gpfns: readonly number[],
  purpose: XenmemPurpose,
): Promise<void> {
  for (let i = 0; i < gpfns.length; i += MEM_ANNOTATE_MAX_GPFNS) {
    const batch = gpfns.slice(i, i + MEM_ANNOTATE_MAX_GPFNS);
    await session.call({ memAnnotate: { gpfns: batch, purpose: XENMEM_PURPOSE[purpose] } });
  }
}
