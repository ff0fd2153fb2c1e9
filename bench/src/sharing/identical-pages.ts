// Identical-page sharing (docs/design.md#copy-to-write): 8 guests whose RAM is half the same in
// every guest and half their own, merged by `xl mem-share --all` (POST /api/mem-share). Frames
// and host memory saved, beside the ideal for this content (the common half kept once: 50% × 7/8
// of the guests' frames) and the seed's "10–20% in typical heterogeneous scenarios". A hypervisor
// of its own, so no other domain's frames take part.
import type { ResultRow } from "@xenfs/bench-kit";
import { XenDomain } from "@xenfs/libxen";
import { XEN_PAGE_SIZE } from "@xenfs/proto";
import { CLUSTER_TOKEN, DOM0_TOKEN, startHypervisorProcess } from "@xenfs/testkit";
import { MiB, sampleHost } from "./host-memory.js";
import { SIZES } from "./sizes.js";

const IDEAL_SAVED = 0.5 * ((SIZES.sharers - 1) / SIZES.sharers);
const SEED_SAVED = { low: 0.1, high: 0.2 };
const MAX_SCANS = 5;
const SCAN_PAUSE_MS = 200;
/** How long the released frames may take to leave frames in use after the last scan. */
const SETTLE_MS = 15_000;

/** Page `i` of guest `g`: the first half the same in every guest, the rest the guest's own. */
function content(g: number, i: number): Uint8Array {
  const page = new Uint8Array(XEN_PAGE_SIZE);
  const view = new DataView(page.buffer);
  for (let at = 0; at < XEN_PAGE_SIZE; at += 8) view.setUint32(at, i * 7919 + at);
  view.setUint32(4, i < SIZES.sharerPages / 2 ? 0xffff_ffff : g);
  return page;
}

export async function identicalPageRows(): Promise<ResultRow[]> {
  const memoryMb = Math.ceil((SIZES.sharers * SIZES.sharerPages * XEN_PAGE_SIZE) / MiB) + 32;
  const hv = await startHypervisorProcess({ XEN_MEMORY_MB: memoryMb, XEN_HYPERCALL_RATE: 0 });
  const sample = () => sampleHost(hv.httpUrl, [hv.process.pid, process.pid]);
  const guests: XenDomain[] = [];
  try {
    for (let g = 0; g < SIZES.sharers; g++) {
      const name = `bench-sharer-${g + 1}`;
      guests.push(await XenDomain.join({ url: hv.url, token: CLUSTER_TOKEN, name, memoryTransport: "shm" }));
    }
    await Promise.all(
      guests.map(async (guest, g) => {
        const gpfns = await guest.memory.populatePhysmap(SIZES.sharerPages);
        const data = new Uint8Array(SIZES.sharerPages * XEN_PAGE_SIZE);
        for (let i = 0; i < SIZES.sharerPages; i++) data.set(content(g, i), i * XEN_PAGE_SIZE);
        await guest.memory.writeSpan(gpfns, data);
      }),
    );
    const before = await sample();
    // On shm a nominated page is shared only once its domain acknowledged the invalidation
    // (docs/design.md#copy-to-write), so a scan may leave pages for the next: scan until one
    // changes nothing.
    let after = before;
    let savedFrames = 0;
    for (let scan = 0; scan < MAX_SCANS; scan++) {
      const response = await fetch(`${hv.httpUrl}/api/mem-share`, {
        method: "POST",
        headers: { authorization: `Bearer ${DOM0_TOKEN}`, "content-type": "application/json" },
        body: "{}",
      });
      if (!response.ok) throw new Error(`POST /api/mem-share: ${response.status}`);
      savedFrames = ((await response.json()) as { savedFrames: number }).savedFrames;
      await new Promise((resolve) => setTimeout(resolve, SCAN_PAUSE_MS));
      const now = await sample();
      const changed = now.frames !== after.frames;
      after = now;
      if (scan > 0 && !changed) break;
    }
    // The frames a share replaced go back to the pool only once every shm sharer has moved its
    // view to the shared frame, about a second later: wait for frames in use to reach what the
    // hypervisor says it saved, or stop moving, before the figures are taken.
    const settleBy = performance.now() + SETTLE_MS;
    while (after.frames > before.frames - savedFrames && performance.now() < settleBy) {
      await new Promise((resolve) => setTimeout(resolve, SCAN_PAUSE_MS));
      after = await sample();
    }
    const guestFrames = SIZES.sharers * SIZES.sharerPages;
    const guestBytes = guestFrames * XEN_PAGE_SIZE;
    // What the hypervisor counts as saved (xl info's sharing_freed_frames); frames in use drop
    // by less while shm guests still hold their old frames' mappings.
    const framesSaved = savedFrames;
    const inUseDrop = before.frames - after.frames;
    const bytesSaved = before.memory.totalBytes - after.memory.totalBytes;
    const name = `identical-page sharing, ${SIZES.sharers} guests × ${SIZES.sharerPages} pages, 50% identical`;
    const vs = `ideal ${(IDEAL_SAVED * 100).toFixed(1)}%, seed ${SEED_SAVED.low * 100}–${SEED_SAVED.high * 100}%`;
    return [
      { name: `${name}: frames saved (sharing_freed_frames)`, value: framesSaved, unit: "frames" },
      {
        name: `${name}: frames in use, before − after`,
        value: inUseDrop,
        unit: "frames",
        frames: after.frames,
      },
      {
        name: `${name}: guest frames saved (${vs})`,
        value: (framesSaved / guestFrames) * 100,
        unit: "%",
        target: { op: ">=", value: IDEAL_SAVED * 100 },
      },
      { name: `${name}: host memory saved`, value: bytesSaved / MiB, unit: "MiB" },
      {
        name: `${name}: host memory saved of the guests' bytes (${vs})`,
        value: (bytesSaved / guestBytes) * 100,
        unit: "%",
        target: { op: ">=", value: SEED_SAVED.low * 100 },
      },
    ];
  } finally {
    await Promise.all(guests.map((guest) => guest.close()));
    await hv.stop();
  }
}
